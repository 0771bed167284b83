"""The search index: tantivy on disk beside the store, a copy of ``content_items`` that is
never the truth.

Fields: ``id`` (the row's id: stored, fast, the key a rewrite deletes by), ``kind`` and
``tags`` (raw strings: filters), ``text`` (jieba terms joined by spaces, split on whitespace:
see ``content.tokens``) — the title's terms twice, then the body's, so a title word weighs more
in BM25 while a query looks up each word once (one field, not two, halves a query's postings).

The index knows how far it has caught up with the table by the highest item ``revision`` it
holds, written in ``liveloop-content.json`` after each commit; an index that is missing, of
another schema, or ahead of its table (a store restored or recreated) starts empty and is
filled from the table.

One process writes at a time (tantivy's writer lock); a writer is opened per write and dropped
at once, so another process of the same store can take its turn. Queries are built from term
queries, never parsed from text.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha1
from pathlib import Path

import tantivy

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
META = "liveloop-content.json"
TERMS = "liveloop_terms"
RELATED_BOOST = 0.4


@dataclass(frozen=True, slots=True)
class IndexDoc:
    """One item as the index holds it; ``title`` and ``body`` are space-joined terms."""

    id: int
    kind: str
    tags: tuple[str, ...]
    title: str
    body: str


class NotAnIndex(RuntimeError):
    """The index's directory holds something else."""


class IndexBusy(RuntimeError):
    """Another process holds the index's writer; the table stays the truth meanwhile."""


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("kind", tokenizer_name="raw")
    builder.add_text_field("tags", tokenizer_name="raw")
    builder.add_text_field("text", tokenizer_name=TERMS)
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.lowercase())
        .build()
    )


class ContentIndex:
    """The index in ``directory``; ``revision`` is the highest item revision it holds."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.schema = _schema()
        self._lock = threading.RLock()
        meta = self._read_meta()
        fresh = meta.get("schema") != SCHEMA_VERSION or not tantivy.Index.exists(str(directory))
        if fresh:
            _clear(directory)
            meta = {}
        directory.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(self.schema, path=str(directory), reuse=not fresh)
        self._index.register_tokenizer(TERMS, _analyzer())
        self.revision: int = int(meta.get("revision", 0))
        if fresh:
            self._write_meta()

    # -- writing ---------------------------------------------------------------------------

    def write(
        self,
        docs: Iterable[IndexDoc],
        *,
        revision: int | None,
        everything: bool = False,
        heap_bytes: int = 32_000_000,
        threads: int = 1,
    ) -> int:
        """Put ``docs`` in the index (each replacing its id's earlier doc), commit, and record
        ``revision`` as caught up to (None: keep it). ``everything`` first drops all docs (a
        rebuild). Returns how many docs were written."""
        with self._lock:
            try:
                writer = self._index.writer(heap_bytes, threads)
            except ValueError as exc:
                busy = f"the content index is being written by another process: {exc}"
                raise IndexBusy(busy) from None
            written = 0
            try:
                if everything:
                    writer.delete_all_documents()
                for doc in docs:
                    if not everything:
                        # By query: a term of a Python int is a signed one, never this u64.
                        writer.delete_documents_by_query(self._term("id", doc.id))
                    writer.add_document(_document(doc))
                    written += 1
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
            finally:
                del writer
            if revision is not None:
                self.revision = revision
            self._write_meta()
            self._index.reload()
            return written

    def catch_up_from_disk(self) -> None:
        """Learn the revision another process recorded (after ``IndexBusy``)."""
        with self._lock:
            self.revision = max(self.revision, int(self._read_meta().get("revision", 0)))
            self._index.reload()

    # -- reading ---------------------------------------------------------------------------

    def search(
        self,
        own: Sequence[str],
        related: Sequence[str] = (),
        *,
        tags: Sequence[str] = (),
        kind: str | None = None,
        limit: int = 20,
    ) -> list[tuple[int, float]]:
        """Ids and scores, best first: items matching any term (related words weigh less) and
        every tag and the kind. With no terms: the filters alone, newest first."""
        filters = [self._term("tags", tag) for tag in tags]
        if kind is not None:
            filters.append(self._term("kind", kind))
        if not own:
            query = _all_of([tantivy.Query.all_query(), *filters])
            return self._run(query, limit, newest_first=True)
        words = [(w, 1.0) for w in own] + [(w, RELATED_BOOST) for w in related]
        clauses = [
            (tantivy.Occur.Should, _boosted(self._term("text", word), weight))
            for word, weight in words
        ]
        text = tantivy.Query.boolean_query(clauses)
        return self._run(_all_of([text, *filters]), limit)

    def matching(
        self, *, required: Sequence[str], preferred: Sequence[tuple[str, float]], limit: int
    ) -> list[tuple[int, float]]:
        """Ids with every ``required`` tag and at least one ``preferred`` tag when no tag is
        required; scored by the weights of the preferred tags they carry."""
        clauses = [
            (tantivy.Occur.Must, tantivy.Query.const_score_query(self._term("tags", t), 1.0))
            for t in required
        ] + [
            (tantivy.Occur.Should, tantivy.Query.const_score_query(self._term("tags", t), w))
            for t, w in preferred
        ]
        if not clauses:
            return []
        # Must and Should together: the Should clauses only add to the score; Should alone:
        # at least one must match.
        return self._run(tantivy.Query.boolean_query(clauses), limit)

    def count(self) -> int:
        return int(self._index.searcher().num_docs)

    def _term(self, field: str, value: str | int) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, field, value)

    def _run(self, query: tantivy.Query, limit: int, *, newest_first: bool = False) -> list:
        searcher = self._index.searcher()
        if newest_first:
            found = searcher.search(query, limit, count=False, order_by_field="id")
            hits = [(searcher.doc(address)["id"][0], 0.0) for _, address in found.hits]
        else:
            found = searcher.search(query, limit, count=False)
            hits = [(searcher.doc(address)["id"][0], float(s)) for s, address in found.hits]
        return [(int(i), s) for i, s in hits]

    # -- the record of how far it has caught up ----------------------------------------------

    def _read_meta(self) -> dict:
        try:
            return json.loads((self.directory / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_meta(self) -> None:
        meta = {"schema": SCHEMA_VERSION, "revision": self.revision}
        temporary = self.directory / f".{META}.tmp"
        temporary.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(temporary, self.directory / META)


def _clear(directory: Path) -> None:
    """Empty ``directory`` for a new index — only if it holds an index (ours or tantivy's) or
    nothing: a misconfigured ``LIVELOOP_CONTENT_INDEX_DIR`` must never cost someone a folder."""
    if not directory.exists():
        return
    ours = (directory / META).exists() or (directory / "meta.json").exists()
    if not ours and any(directory.iterdir()):
        raise NotAnIndex(f"{directory} holds other files; give the content index its own folder")
    shutil.rmtree(directory)


def _document(doc: IndexDoc) -> tantivy.Document:
    document = tantivy.Document()
    document.add_unsigned("id", doc.id)
    document.add_text("kind", doc.kind)
    for tag in doc.tags:
        document.add_text("tags", tag)
    document.add_text("text", f"{doc.title} {doc.title} {doc.body}")
    return document


def _boosted(query: tantivy.Query, boost: float) -> tantivy.Query:
    return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)


def _all_of(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


# -- one index per directory per process, found from the store it mirrors ---------------------

_registry_lock = threading.Lock()
_directories: dict[str, Path] = {}
_open: dict[Path, ContentIndex] = {}
_of_store: dict[str, ContentIndex] = {}  # the hot path: a search finds its index by the URL


def default_directory(url: str) -> Path:
    """Beside a SQLite file (``<file>.content-index``); for other stores ./liveloop-content-index;
    for an in-memory store a temporary directory of its own."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        return Path(url.removeprefix(prefix) + ".content-index")
    if url.startswith("sqlite"):
        name = sha1(url.encode(), usedforsecurity=False).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"liveloop-content-index-{name}"
    return Path("liveloop-content-index")


def bind(url: str, directory: Path) -> None:
    """Keep the index of the store at ``url`` in ``directory`` (the settings' choice)."""
    with _registry_lock:
        _directories[url] = directory
        _of_store.pop(url, None)


def for_store(url: str) -> ContentIndex:
    """This process's index of the store at ``url``, opened on first use."""
    known = _of_store.get(url)
    if known is not None:
        return known
    with _registry_lock:
        directory = _directories.get(url) or default_directory(url)
        directory = directory.resolve()
        index = _open.get(directory)
        if index is None:
            index = _open[directory] = ContentIndex(directory)
        _of_store[url] = index
        return index


def forget(url: str) -> None:
    """Close this process's handle on the store's index (tests, a moved directory)."""
    with _registry_lock:
        directory = (_directories.pop(url, None) or default_directory(url)).resolve()
        _open.pop(directory, None)
        for known in [u for u, i in _of_store.items() if i.directory.resolve() == directory]:
            del _of_store[known]
