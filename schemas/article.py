"""The incoming article, as producers write it on the `articles` topic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

# Ids and source names are keys: surrounding blanks are dropped, control characters refused.
Key = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=512, pattern=r"^[^\x00-\x1f\x7f-\x9f]+$"
    ),
]


class ArticleIn(BaseModel):
    """One article. Unknown fields are kept and travel with the article."""

    model_config = ConfigDict(extra="allow", strict=False)

    id: Key
    source: Key
    body: str
    title: str | None = Field(None, max_length=2000)
    url: str | None = Field(None, max_length=4000)
    language: str | None = Field(None, max_length=35)
    published_at: AwareDatetime | None = None

    @field_validator("id", "source", "body", "title", "url", "language", mode="before")
    @classmethod
    def _strings_only(cls, value: object) -> object:
        # pydantic would accept bytes here; a number or list is an error, not text.
        if value is not None and not isinstance(value, str):
            raise ValueError(f"must be a string, not {type(value).__name__}")
        return value

    @field_validator("published_at", mode="before")
    @classmethod
    def _iso_8601(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 string such as 2025-07-03T10:00:00Z")
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text[:40]!r} is not an ISO 8601 date-time") from None
        # A date-time without an offset is read as UTC: feeds omit it more often than not.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    @property
    def extra(self) -> dict[str, object]:
        return dict(self.model_extra or {})


class Article(BaseModel):
    """An article after validation and clean-up: what the stages pass along."""

    id: str
    source: str
    body: str
    title: str | None = None
    url: str | None = None
    language: str | None = None
    published_at: datetime
    received_at: datetime
    extra: dict[str, object] = Field(default_factory=dict)
    # What validation removed while keeping the article, e.g. "url dropped: ...".
    notes: list[str] = Field(default_factory=list)
