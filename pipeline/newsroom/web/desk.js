// wirewatch dashboard, the desk: editors correct the machine from the page (merge two
// events, move or split a story off, pin the headline). Every correction goes to
// POST /api/corrections, which answers once the event stage applied it; the board then
// changes through the stream like any other update, here and in every open browser.
// The editor token, when the server wants one, is kept in sessionStorage only.
"use strict";

const TOKEN_KEY = "wirewatch-editor-token";
const NAME_KEY = "wirewatch-editor-name";
let desk = { editable: false, token_required: false, reason: "loading…" };
const selectedEvents = []; // event ids, in the order they were selected

// The timeline's words for the corrections' updates (app.js has the others).
Object.assign(KIND_TEXT, {
  merged: "Editor merged in",
  article_moved: "Editor moved",
  split: "Editor split off",
  headline_pinned: "Editor pinned",
  headline_unpinned: "Editor unpinned",
});

async function deskInit() {
  try {
    const response = await fetch("/api/desk", { cache: "no-store" });
    desk = await response.json();
  } catch (e) {
    desk = { editable: false, token_required: false, reason: "the desk is unreachable" };
  }
  const bar = el("div", { id: "desk", class: "desk-bar" + (desk.editable ? " editable" : " read-only"),
                          "data-editable": desk.editable ? "1" : "0" },
    el("span", { id: "desk-mode", class: "desk-mode", title: desk.reason },
       desk.editable ? (desk.token_required ? "editor" : "editor (loopback)") : "read-only"),
    desk.editable && desk.token_required
      ? el("input", { id: "editor-token", type: "password", placeholder: "editor token",
                      autocomplete: "off", "aria-label": "editor token",
                      value: sessionStorage.getItem(TOKEN_KEY) || "",
                      oninput: (e) => sessionStorage.setItem(TOKEN_KEY, e.currentTarget.value) })
      : null,
    desk.editable
      ? el("input", { id: "editor-name", type: "text", placeholder: "your name", autocomplete: "off",
                      "aria-label": "your name, for the corrections' record",
                      value: sessionStorage.getItem(NAME_KEY) || "",
                      oninput: (e) => sessionStorage.setItem(NAME_KEY, e.currentTarget.value) })
      : null);
  document.querySelector("header.bar")?.append(bar);
  document.body.classList.toggle("desk-editable", desk.editable);
  if (!desk.editable) {
    const banner = el("p", { id: "desk-banner", class: "desk-banner", role: "note" },
      "Read-only: " + desk.reason.replace(/^read-only: /, ""));
    document.querySelector("header.bar")?.after(banner);
  }
  const mergeBar = el("div", { id: "merge-bar", class: "merge-bar", hidden: true },
    el("span", { id: "merge-text" }),
    el("button", { type: "button", "data-action": "merge", onclick: mergeSelected }, "Merge"),
    el("button", { type: "button", "data-action": "clear-selection", onclick: clearSelection }, "Cancel"));
  const toast = el("div", { id: "desk-toast", class: "desk-toast", role: "status", "aria-live": "polite", hidden: true });
  document.body.append(mergeBar, toast);
  document.querySelectorAll(".event").forEach((node) => deskDecorate(node, events.get(node.dataset.eventId)));
}

function deskToast(text, isError) {
  const toast = $("desk-toast");
  if (!toast) return;
  toast.textContent = text;
  toast.className = "desk-toast" + (isError ? " error" : "");
  toast.hidden = false;
  clearTimeout(deskToast.timer);
  deskToast.timer = setTimeout(() => { toast.hidden = true; }, isError ? 8000 : 4000);
}

async function sendCorrection(body) {
  const headers = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = "Bearer " + token;
  deskToast("applying…", false);
  try {
    const response = await fetch("/api/corrections", { method: "POST", headers, body: JSON.stringify(body) });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { deskToast(data.error || `refused (${response.status})`, true); return null; }
    deskToast(data.outcome === "unchanged" ? "nothing to change: already so" : "done", false);
    return data;
  } catch (e) {
    deskToast("the dashboard did not answer", true);
    return null;
  }
}

function headlineOf(eventId) {
  return events.get(eventId)?.headline || eventId;
}

function refreshMergeBar() {
  for (let i = selectedEvents.length - 1; i >= 0; i--) {
    if (!events.has(selectedEvents[i])) selectedEvents.splice(i, 1);
  }
  const bar = $("merge-bar");
  if (!bar) return;
  bar.hidden = selectedEvents.length !== 2;
  if (selectedEvents.length === 2) {
    $("merge-text").textContent =
      `Merge “${headlineOf(selectedEvents[1])}” into “${headlineOf(selectedEvents[0])}”`;
  }
  document.querySelectorAll(".select-event").forEach((box) => {
    box.checked = selectedEvents.includes(box.closest(".event").dataset.eventId);
  });
}

function toggleSelected(eventId, on) {
  const at = selectedEvents.indexOf(eventId);
  if (on && at < 0) selectedEvents.push(eventId);
  if (!on && at >= 0) selectedEvents.splice(at, 1);
  while (selectedEvents.length > 2) selectedEvents.shift();
  refreshMergeBar();
}

function clearSelection() {
  selectedEvents.length = 0;
  refreshMergeBar();
}

async function mergeSelected() {
  if (selectedEvents.length !== 2) return;
  const [into, from] = selectedEvents;
  if (await sendCorrection({ action: "merge", event_id: into, from_event_id: from, by: editorName() })) {
    clearSelection();
  }
}

function editorName() {
  return sessionStorage.getItem(NAME_KEY) || "dashboard";
}

function storyMenu(ev, articleId, isCopy) {
  const items = el("div", { class: "menu-items" });
  const menu = el("details", { class: "story-menu" },
    el("summary", { title: "correct this story", "aria-label": "correct this story" }, "⋯"), items);
  const action = (label, name, body) => el("button", { type: "button", "data-action": name,
    onclick: async () => { menu.open = false; await sendCorrection({ ...body, by: editorName() }); } }, label);
  items.append(action(ev.pinned_article_id === articleId ? "Pinned" : "Pin headline", "pin",
                      { action: "pin", event_id: ev.event_id, article_ids: [articleId] }));
  if (!isCopy) {
    items.append(action("Move to a new event", "move-new", { action: "move", article_ids: [articleId] }));
    if (ev.stories.length > 1) {
      items.append(action("Split off", "split", { action: "split", event_id: ev.event_id, article_ids: [articleId] }));
    }
    const target = el("select", { class: "move-target", "aria-label": "move to event" });
    const moveTo = el("button", { type: "button", "data-action": "move-to", onclick: async () => {
      if (!target.value) return;
      menu.open = false;
      await sendCorrection({ action: "move", article_ids: [articleId], event_id: target.value, by: editorName() });
    } }, "Move");
    menu.addEventListener("toggle", () => {
      if (!menu.open) return;
      target.replaceChildren(el("option", { value: "" }, "to event…"),
        ...ordered().filter((o) => o.event_id !== ev.event_id)
          .map((o) => el("option", { value: o.event_id }, o.headline)));
    });
    items.append(el("span", { class: "move-to" }, target, moveTo));
  }
  return menu;
}

function deskDecorate(node, ev) {
  if (!ev || !desk.editable || !node) return;
  const head = node.querySelector(".head");
  const box = el("input", { type: "checkbox", class: "select-event", "aria-label": "select to merge",
                            title: "select two events to merge them",
                            checked: selectedEvents.includes(ev.event_id),
                            onchange: (e) => toggleSelected(ev.event_id, e.currentTarget.checked) });
  head?.prepend(box);
  if (ev.pinned_article_id) {
    head?.querySelector(".counts")?.append(
      el("button", { type: "button", class: "unpin", "data-action": "unpin", title: "pinned by an editor",
        onclick: () => sendCorrection({ action: "unpin", event_id: ev.event_id, by: editorName() }) },
        "📌 unpin"));
  }
  node.querySelectorAll(".story, .copy").forEach((line) => {
    const id = line.dataset.articleId;
    const menu = storyMenu(ev, id, line.classList.contains("copy"));
    const title = line.querySelector(":scope > .title");
    if (title) title.after(menu); else line.append(menu);
    if (ev.pinned_article_id === id) line.classList.add("pinned");
  });
}

function deskRemoved(data) {
  events.delete(data.event_id);
  document.querySelector(`#events [data-event-id="${CSS.escape(data.event_id)}"]`)?.remove();
  refreshMergeBar();
  refreshSummary();
}
