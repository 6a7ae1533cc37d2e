// wirewatch dashboard: the board arrives whole on connect ("snapshot"), then one
// "event" message per change with the event's full, current view. Plain DOM, no build
// step. Everything from the wire is inserted as text, never as HTML.
"use strict";

const TIMELINE_SHOWN = 6;
const CHIPS_SHOWN = 12; // source chips before "+ N more"
const HOT_MS = 10 * 60 * 1000; // an event changed this recently is marked hot

const events = new Map(); // event_id -> the event's view, as the server sent it
let lastUpdate = null;
let maxEvents = 200; // the server's board size, from the snapshot

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// -- time ------------------------------------------------------------------------------

// Today: the time alone. Another day: its date too, and the zone, since the zone decides
// the day; the year when it is not this one.
function clockTime(iso) {
  const d = new Date(iso);
  const today = new Date();
  const clock = { hour: "2-digit", minute: "2-digit", hour12: false };
  if (d.toDateString() === today.toDateString()) return d.toLocaleTimeString([], clock);
  const options = { ...clock, day: "numeric", month: "short", timeZoneName: "short" };
  if (d.getFullYear() !== today.getFullYear()) options.year = "numeric";
  return d.toLocaleString([], options);
}

// Only an absolute http(s) URL becomes a link (the server drops the others too).
function safeHref(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function ago(iso) {
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  if (s < 86400) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " d ago";
}

function timeEl(iso, cls, relative = false) {
  return el("time", { class: cls, dateTime: iso, title: new Date(iso).toLocaleString(),
                      "data-relative": relative ? "1" : null },
            relative ? ago(iso) : clockTime(iso));
}

// -- rendering -------------------------------------------------------------------------

function sourceChip(source, isNew) {
  return el("li", { class: "source" + (source.first ? " first" : "") + (isNew ? " new" : ""),
                    "data-source": source.source, title: "joined " + new Date(source.first_seen).toLocaleString() },
    source.first ? el("span", { class: "badge", title: "first source on this event" }, "first") : null,
    el("span", { class: "name" }, source.source),
    timeEl(source.first_seen, "joined"));
}

function articleLine(article, cls) {
  const title = article.title
    ? article.title
    : el("span", { class: "untitled", title: "no title; article " + article.id }, article.lead || article.id);
  const href = safeHref(article.url);
  const link = href
    ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }, title)
    : el("span", {}, title);
  return el("li", { class: cls, "data-article-id": article.id },
    el("span", { class: "src" }, article.source),
    el("span", { class: "title" }, link),
    timeEl(article.published_at, "pub"),
    article.similarity !== null && article.similarity !== undefined
      ? el("span", { class: "score", title: cls === "copy" ? "copy similarity" : "similarity to the event" },
           article.similarity.toFixed(2))
      : null);
}

function storyItem(story) {
  const item = articleLine(story, "story");
  if (story.copies.length) {
    const names = [...new Set(story.copies.map((c) => c.source))].join(", ");
    const details = el("details", { class: "copies" },
      el("summary", {}, `${story.copies.length} near-duplicate ${story.copies.length === 1 ? "copy" : "copies"}`,
         el("span", { class: "copy-sources" }, " · " + names)),
      el("ul", {}, story.copies.map((c) => articleLine(c, "copy"))));
    item.append(details);
  }
  return item;
}

const KIND_TEXT = {
  created: "Event opened by",
  source_joined: "New source",
  article_added: "New article from",
  duplicate_added: "Copy from",
  reopened: "Reopened by",
  regrouped: "Regrouped with",
};

function timelineItem(entry, fresh) {
  const at = timeEl(entry.at, "at");
  at.title = "processed " + new Date(entry.at).toLocaleString();
  const pub = entry.published_at ? timeEl(entry.published_at, "pub") : null;
  if (pub) pub.title = "published " + new Date(entry.published_at).toLocaleString();
  return el("li", { class: `tl kind-${entry.kind}` + (fresh ? " new" : ""), "data-update-id": entry.update_id },
    at,
    pub ? el("span", { class: "published" }, "pub ", pub) : null,
    el("span", { class: "what" }, KIND_TEXT[entry.kind] || entry.kind, " ",
       el("b", {}, entry.source)),
    el("span", { class: "item" }, entry.title || entry.lead || entry.article_id),
    el("span", { class: "n", title: "sources after this change" }, `${entry.source_count} src`));
}

function card(ev, previous, kind) {
  const knownSources = new Set(previous ? previous.sources.map((s) => s.source) : []);
  const knownUpdates = new Set(previous ? previous.timeline.map((t) => t.update_id) : []);
  const hot = Date.now() - new Date(ev.last_activity).getTime() < HOT_MS;

  const timeline = el("ol", { class: "timeline-list" });
  ev.timeline.forEach((entry, i) => {
    const li = timelineItem(entry, previous && !knownUpdates.has(entry.update_id));
    if (i >= TIMELINE_SHOWN) li.classList.add("older");
    timeline.append(li);
  });
  const more = ev.timeline.length > TIMELINE_SHOWN
    ? el("button", { class: "more", type: "button", onclick: (e) => {
        e.currentTarget.closest(".timeline").classList.toggle("all");
      } }, `all ${ev.timeline.length} changes`)
    : null;

  const node = el("article", {
      class: "event" + (hot ? " hot" : "") + (previous ? "" : " new-event"),
      "data-event-id": ev.event_id, "data-last-activity": ev.last_activity },
    el("div", { class: "head" },
      el("h2", { class: "headline" }, ev.headline),
      el("div", { class: "counts" },
        el("span", { class: "count" }, el("b", { "data-role": "article-count" }, ev.article_count), " articles"),
        el("span", { class: "count" }, el("b", { "data-role": "source-count" }, ev.source_count), " sources"),
        el("span", { class: "count" }, el("b", { "data-role": "copy-count" }, ev.duplicate_count), " copies"),
        el("span", { class: "activity" }, "updated ", timeEl(ev.last_activity, "rel", true)),
        el("span", { class: "activity" }, "first seen ", timeEl(ev.first_seen, "first-seen")))),
    sourceChips(ev, knownSources, previous !== null && previous !== undefined),
    languageChips(ev),
    el("div", { class: "body" },
      el("section", { class: "stories" },
        el("h3", {}, "Stories"),
        el("ol", { class: "story-list" }, ev.stories.map(storyItem))),
      el("section", { class: "timeline" },
        el("h3", {}, "Timeline"), timeline, more)));

  if (previous) {
    node.classList.add(kind === "source_joined" ? "flash-source" : "flash");
  }
  return node;
}

function sourceChips(ev, knownSources, isUpdate) {
  // Past CHIPS_SHOWN, chips fold behind "+ N more"; one that just joined stays in sight.
  const list = el("ul", { class: "sources", "aria-label": "sources, in the order they joined" });
  let folded = 0;
  ev.sources.forEach((s, i) => {
    const isNew = isUpdate && !knownSources.has(s.source);
    const chip = sourceChip(s, isNew);
    if (i >= CHIPS_SHOWN && !isNew) { chip.classList.add("extra"); folded += 1; }
    list.append(chip);
  });
  if (folded) {
    list.append(el("li", { class: "more-chip" },
      el("button", { class: "more-sources", type: "button", "data-folded": String(folded),
                     onclick: (e) => unfold(list, !list.classList.contains("all")) },
         `+ ${folded} more`)));
  }
  return list;
}

function unfold(list, open) {
  list.classList.toggle("all", open);
  const button = list.querySelector(".more-sources");
  if (button) button.textContent = open ? "fewer" : `+ ${button.dataset.folded} more`;
}

function keepOpenState(oldNode, newNode) {
  if (!oldNode) return;
  const open = new Set([...oldNode.querySelectorAll("details[open]")]
    .map((d) => d.closest("[data-article-id]")?.dataset.articleId));
  newNode.querySelectorAll("details").forEach((d) => {
    if (open.has(d.closest("[data-article-id]")?.dataset.articleId)) d.open = true;
  });
  if (oldNode.querySelector(".timeline.all")) newNode.querySelector(".timeline")?.classList.add("all");
  if (oldNode.querySelector(".sources.all")) unfold(newNode.querySelector(".sources"), true);
}

// The one event order (pipeline/store/order.py): the server's order_key, compared as
// plain strings, so the page agrees with /api/events and `wirewatch events`.
function ordered() {
  return [...events.values()].sort((a, b) =>
    a.order_key < b.order_key ? -1 : a.order_key > b.order_key ? 1 : 0);
}

function place(node) {
  // Keep the cards in activity order, moving only the one that changed.
  const list = $("events");
  const order = ordered().map((e) => e.event_id);
  const index = order.indexOf(node.dataset.eventId);
  const nextId = order.slice(index + 1).find((id) => list.querySelector(`[data-event-id="${CSS.escape(id)}"]`));
  const next = nextId ? list.querySelector(`[data-event-id="${CSS.escape(nextId)}"]`) : null;
  if (next !== node) list.insertBefore(node, next);
}

function upsert(ev, kind) {
  const list = $("events");
  const previous = events.get(ev.event_id);
  events.set(ev.event_id, ev);
  const oldNode = list.querySelector(`[data-event-id="${CSS.escape(ev.event_id)}"]`);
  const node = card(ev, previous, kind);
  deskDecorate(node, ev); // desk.js: the editors' controls
  keepOpenState(oldNode, node);
  if (oldNode) oldNode.replaceWith(node);
  place(node);
  applyFilter(node);
  // The server keeps the most active events only: so does the page.
  for (const stale of ordered().slice(maxEvents)) {
    events.delete(stale.event_id);
    list.querySelector(`[data-event-id="${CSS.escape(stale.event_id)}"]`)?.remove();
  }
}

function renderAll() {
  const list = $("events");
  list.querySelectorAll(".event").forEach((n) => n.remove());
  for (const ev of ordered()) {
    const node = card(ev, null, null);
    deskDecorate(node, ev);
    node.classList.remove("new-event");
    list.append(node);
    applyFilter(node);
  }
  refreshSummary();
}

// One chip per language of the event's articles, most articles first (issue 15).
function languageChips(ev) {
  const langs = ev.languages || [];
  return el("ul", { class: "languages", "aria-label": "languages of the event's articles" },
    langs.map((l) => el("li", { class: "language", "data-language": l.language,
                                title: `${l.articles} article(s) in ${l.language}` },
      el("span", { class: "code" }, l.language), el("span", { class: "n" }, String(l.articles)))));
}

function refreshLanguages() {
  const select = $("language");
  if (!select) return;
  const known = new Set([...select.options].map((o) => o.value));
  const seen = new Set();
  for (const ev of events.values()) (ev.languages || []).forEach((l) => seen.add(l.language));
  [...seen].sort().filter((code) => !known.has(code))
    .forEach((code) => select.append(el("option", { value: code }, code)));
}

function refreshSummary() {
  refreshLanguages();
  $("empty").hidden = events.size > 0;
  const sources = new Set();
  for (const ev of events.values()) ev.sources.forEach((s) => sources.add(s.source));
  $("summary").textContent = `${events.size} events · ${sources.size} sources` +
    (lastUpdate ? ` · last change ${clockTime(lastUpdate)}` : "");
  document.body.dataset.events = String(events.size);
}

// -- filter, status, clock -------------------------------------------------------------

// What the filter looks in: the headline, and the title (or lead) and source of every
// article, copies included.
function searchText(ev) {
  const parts = [ev.headline, ...ev.sources.map((s) => s.source)];
  for (const story of ev.stories) {
    for (const a of [story, ...story.copies]) parts.push(a.title || a.lead || "", a.source);
  }
  return parts.join("\n").toLowerCase();
}

function applyFilter(node) {
  const q = $("filter").value.trim().toLowerCase();
  const language = $("language") ? $("language").value : "";
  const ev = events.get(node.dataset.eventId);
  if (language && !(ev.languages || []).some((l) => l.language === language)) {
    node.hidden = true; return;
  }
  node.hidden = !searchText(ev).includes(q);
}

function setStatus(kind, text, detail, banner = null) {
  const status = $("status");
  status.className = "status " + kind;
  status.title = detail || text;
  $("status-text").textContent = text;
  document.body.dataset.status = kind;
  $("banner").hidden = !banner;
  $("banner").textContent = banner || "";
}

function tick() {
  $("clock").textContent = new Date().toLocaleTimeString([], { hour12: false });
  document.querySelectorAll("time[data-relative]").forEach((t) => { t.textContent = ago(t.dateTime); });
  document.querySelectorAll(".event").forEach((n) => {
    n.classList.toggle("hot", Date.now() - new Date(n.dataset.lastActivity).getTime() < HOT_MS);
  });
}

// -- the stream ------------------------------------------------------------------------

function connect() {
  const stream = new EventSource("/api/stream");
  stream.addEventListener("snapshot", (msg) => {
    const data = JSON.parse(msg.data);
    maxEvents = data.max_events || maxEvents;
    events.clear();
    for (const ev of data.events) events.set(ev.event_id, ev);
    lastUpdate = data.events.length ? data.events[0].last_activity : null;
    renderAll();
    showServerStatus(data.status);
  });
  stream.addEventListener("event", (msg) => {
    const data = JSON.parse(msg.data);
    lastUpdate = data.event.last_activity;
    upsert(data.event, data.kind);
    refreshSummary();
  });
  stream.addEventListener("status", (msg) => showServerStatus(JSON.parse(msg.data)));
  stream.addEventListener("removed", (msg) => deskRemoved(JSON.parse(msg.data)));
  stream.onerror = () => setStatus("offline", "dashboard unreachable", "the page lost its " +
    "connection to the dashboard server; retrying",
    "The page lost its connection to the dashboard server; it reconnects by itself.");
}

function showServerStatus(status) {
  // Not live: amber, with the server's reason; the page keeps the store's picture and
  // the server sends a fresh snapshot once it follows the topic again.
  if (status.live) { setStatus("live", "live", status.detail); return; }
  const since = clockTime(status.since);
  setStatus("stale", `not live since ${since}`, status.detail,
            `Not live since ${since}: ${status.detail}. The page shows the store's state ` +
            "and catches up by itself once the dashboard follows the topic again.");
}

document.addEventListener("DOMContentLoaded", () => {
  $("filter").addEventListener("input", () => document.querySelectorAll(".event").forEach(applyFilter));
  $("language").addEventListener("change", () => document.querySelectorAll(".event").forEach(applyFilter));
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && document.activeElement !== $("filter")) { e.preventDefault(); $("filter").focus(); }
    if (e.key === "Escape") { $("filter").value = ""; document.querySelectorAll(".event").forEach(applyFilter); }
  });
  tick();
  setInterval(tick, 1000);
  deskInit();
  connect();
});
