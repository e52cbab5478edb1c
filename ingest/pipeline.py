"""The ingest pipeline: files → cleaned text → clause tree, metadata, chunks → store.

One bad file never stops the run: it becomes a ``FileReport`` with status "failed" and
a one-line reason, and what is already stored stays untouched (a document is replaced
in one transaction, only once it has been fully processed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from ingest.chunk import ClauseChunker
from ingest.extract import INGEST_RULES_VERSION, extract
from ingest.limits import LoadLimits
from ingest.reader import FileRead, Planner, read_ahead
from ingest.sandbox import load_file_isolated
from ingest.store import DocumentStore
from policyqa.errors import IngestError, NotFoundError, ResourceLimitError
from policyqa.faults import crash_point
from policyqa.records import DocumentInfo, LoadedDocument

Status = Literal["added", "replaced", "unchanged", "failed", "duplicate"]

# Hashing reads in blocks so a large file never sits in memory twice.
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileReport:
    """What happened to one input file."""

    source: str
    status: Status
    doc_id: str | None = None
    chunks: int = 0
    pages: int = 0
    ocr: bool = False
    warnings: tuple[str, ...] = ()
    error: str | None = None
    path: str | None = None
    duplicate_of: str | None = None  # source name of the stored identical file


def doc_id_for(path: Path) -> str:
    """Stable document id: a hash of the file's absolute path (edits keep the id)."""
    return hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:16]


def content_hash_of(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus every non-hidden file under named folders, sorted."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(
                sorted(
                    p for p in path.rglob("*")
                    if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    seen: set[Path] = set()
    unique = []
    for file in files:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique


class Ingestor:
    """Ingests files into a ``DocumentStore``, incrementally (by content hash).

    ``workers`` is how many files ``ingest_paths`` reads (parses) at once by default; the
    store is always written by the calling thread, one file after another in input order.
    """

    def __init__(
        self,
        store: DocumentStore,
        chunker: ClauseChunker | None = None,
        limits: LoadLimits = LoadLimits(),
        files_dir: Path | None = None,
        access: str = "public",
        workers: int = 1,
        twins_within_access: bool = False,
        enforce_access: bool = False,
    ):
        self.store = store
        self.chunker = chunker or ClauseChunker()
        self.limits = limits
        self.files_dir = Path(files_dir) if files_dir is not None else None
        self.access = access
        self.workers = workers
        # Uploads look for an identical stored file only at their own access level: refusing a
        # public upload because an internal copy exists would tell the uploader it exists.
        self.twins_within_access = twins_within_access
        # False: ``access`` is for new documents only (a plain re-ingest never makes an internal
        # document public). True (``ingest --access`` given): stored documents take it too.
        self.enforce_access = enforce_access

    def ingest_paths(
        self, paths: Iterable[Path], progress: bool = True, workers: int | None = None,
    ) -> list[FileReport]:
        """Ingest every file in ``paths`` (folders recursively); one report per file, in input order.

        With ``workers`` > 1 (default: the ingestor's ``workers``) that many files are read in
        parallel sandboxed processes ahead of the writes; the stored result is the same as with
        one. Files whose content is already stored unchanged are never read.
        """
        files = expand_paths(paths)
        workers = self.workers if workers is None else workers
        if workers > 1:
            reads: Iterator[FileRead] = read_ahead(files, self._batch_planner(), self._load, workers)
        else:
            # One at a time, exactly as before: each file is read only when its turn comes.
            reads = (FileRead(path, None) for path in files)
        # tqdm hides itself when stderr is not a terminal (disable=None).
        disable = None if progress and len(files) > 1 else True
        with closing(reads), tqdm(reads, total=len(files), desc="ingest", unit="file", disable=disable) as bar:
            return [self.ingest_file(read.path, read) for read in _labelled(bar)]

    def ingest_file(self, path: Path, read: FileRead | None = None) -> FileReport:
        """Ingest one file; never raises for a bad file (the report says why).

        ``read`` is what ``ingest.reader.read_ahead`` already did for this file (its content
        hash, its sandboxed read); whatever it lacks is done here.
        """
        path = Path(path)
        try:
            return self._ingest(path, read)
        except IngestError as exc:
            return FileReport(source=path.name, status="failed", error=exc.reason, path=str(path))
        except OSError as exc:
            return FileReport(source=path.name, status="failed", error=exc.strerror or str(exc), path=str(path))
        except Exception as exc:  # noqa: BLE001 - one file's surprise must not end the whole run
            reason = f"处理时发生意外错误：{type(exc).__name__}：{exc}"
            return FileReport(source=path.name, status="failed", error=reason, path=str(path))

    def _batch_planner(self) -> Planner:
        """The read-ahead planner of one batch: hash each file, read only those that need it."""
        hashes_in_batch: set[str] = set()

        def plan(path: Path) -> tuple[str | None, bool]:
            try:
                if not path.is_file():
                    return None, False
                content_hash = content_hash_of(path)
            except Exception:  # noqa: BLE001 - the write step repeats this and reports the error
                return None, False
            # A second copy of a file in this batch is a duplicate once the first is stored; it
            # is only read (at its turn) if the first one failed.
            first_copy = content_hash not in hashes_in_batch
            hashes_in_batch.add(content_hash)
            try:
                return content_hash, first_copy and self._needs_read(path, content_hash)
            except Exception:  # noqa: BLE001 - read at its turn, where a store error is reported
                return content_hash, False

        return plan

    def _needs_read(self, path: Path, content_hash: str) -> bool:
        # Unchanged and duplicate files are settled from the store without reading them. A
        # twin found now may still be replaced earlier in the batch: such a file is read at
        # its turn instead, when the store says what it really is.
        doc_id = doc_id_for(path)
        try:
            stored = self.store.get_document(doc_id)
            if stored.content_hash == content_hash and stored.ingest_rules >= INGEST_RULES_VERSION:
                return False
        except NotFoundError:
            pass
        twin = self._twin(content_hash)
        return twin is None or twin.doc_id == doc_id

    def _access_change(self, existing: DocumentInfo) -> tuple[str, ...]:
        """The note for a stored document whose access level this ingest changes (else none)."""
        if not self.enforce_access or existing.access == self.access:
            return ()
        return (f"access level changed from {existing.access} to {self.access}",)

    def _twin(self, content_hash: str) -> DocumentInfo | None:
        return self.store.find_by_hash(content_hash, self.access if self.twins_within_access else None)

    def _load(self, path: Path) -> LoadedDocument:
        return load_file_isolated(path, self.limits)

    def refresh_stale(self) -> list[FileReport]:
        """Extract again, from their kept originals, the documents stored with older ingest rules.

        Each keeps its doc_id, access level and recorded path; one whose original is gone
        stays as stored and is reported failed.
        """
        reports = []
        for info in self.store.stale_documents(INGEST_RULES_VERSION):
            kept = self.files_dir / info.doc_id / info.source if self.files_dir is not None else None
            original = kept if kept is not None and kept.is_file() else Path(info.path)
            if not original.is_file():
                reports.append(FileReport(source=info.source, status="failed", doc_id=info.doc_id, path=info.path,
                                          error="原件已不在，无法按新入库规则重新提取；请重新上传该文件"))
                continue
            try:
                reports.append(self._ingest(original, doc_id=info.doc_id, keep_path=True))
            except IngestError as exc:
                reports.append(FileReport(source=info.source, status="failed", doc_id=info.doc_id, error=exc.reason,
                                          path=info.path))
            except Exception as exc:  # noqa: BLE001 - one document's surprise must not end the refresh
                reports.append(FileReport(source=info.source, status="failed", doc_id=info.doc_id, path=info.path,
                                          error=f"处理时发生意外错误：{type(exc).__name__}：{exc}"))
        return reports

    def _ingest(self, path: Path, read: FileRead | None = None, doc_id: str | None = None,
                keep_path: bool = False) -> FileReport:
        source = path.name
        content_hash = read.content_hash if read is not None else None
        if content_hash is None:
            if not path.is_file():
                raise IngestError(source, "不是可读取的文件")
            content_hash = content_hash_of(path)
        doc_id = doc_id or doc_id_for(path)
        try:
            existing: DocumentInfo | None = self.store.get_document(doc_id)
        except NotFoundError:
            existing = None
        stale = existing is not None and existing.content_hash == content_hash and \
            existing.ingest_rules < INGEST_RULES_VERSION
        if existing is not None and existing.content_hash == content_hash and not stale:
            self._repair_original(path, doc_id)
            changed = self._access_change(existing)
            if changed:
                self.store.set_access(doc_id, self.access)
            return FileReport(
                source=source, status="unchanged", doc_id=doc_id, chunks=existing.chunks,
                pages=existing.pages, ocr=existing.ocr, path=str(path), warnings=changed,
            )
        twin = self._twin(content_hash)
        if twin is not None and twin.doc_id != doc_id:
            return FileReport(
                source=source, status="duplicate", doc_id=twin.doc_id, chunks=twin.chunks, pages=twin.pages,
                ocr=twin.ocr, warnings=(f"与已入库的 {twin.source} 完全相同",), path=str(path),
                duplicate_of=twin.source,
            )

        loaded = read.loaded() if read is not None and read.was_read else self._load(path)
        text_chars = sum(len(page) for page in loaded.pages)
        if text_chars > self.limits.max_text_chars:
            raise ResourceLimitError(
                source, f"文本长 {text_chars:,} 字，超过上限 {self.limits.max_text_chars:,} 字；"
                        "请将文档拆分后分别入库",
            )
        extracted = extract(doc_id, loaded, self.chunker)
        cleaned, sections, chunks = extracted.cleaned, extracted.sections, extracted.chunks
        warnings = [*extracted.warnings, *(self._access_change(existing) if existing is not None else ())]
        if stale:
            warnings.append("入库规则已更新，已按新规则重新提取")
        info = DocumentInfo(
            doc_id=doc_id,
            source=source,
            # A re-extraction from the kept original keeps the path the file was ingested from.
            path=existing.path if keep_path and existing is not None else str(path.resolve()),
            content_hash=content_hash,
            pages=len(loaded.pages) if loaded.paginated else 0,
            chunks=len(chunks),
            ocr=loaded.ocr,
            access=self.access if existing is None or self.enforce_access else existing.access,
            ingest_rules=INGEST_RULES_VERSION,
            **extracted.metadata,
        )
        # The previous original stays in place until the new version is committed, so a
        # failed or interrupted ingest never leaves a stored document without its file.
        staged = self._stage_original(path, doc_id)
        try:
            self.store.replace_document(info, cleaned.text, sections, chunks, cleaned.page_starts)
        except BaseException:
            if staged is not None:
                staged.unlink(missing_ok=True)
            raise
        crash_point("after_sqlite_commit")
        self._swap_original(staged, path.name)
        return FileReport(
            source=source,
            status="replaced" if existing is not None else "added",
            doc_id=doc_id,
            chunks=len(chunks),
            pages=info.pages,
            ocr=info.ocr,
            warnings=tuple(warnings),
            path=str(path),
        )

    def _stage_original(self, path: Path, doc_id: str) -> Path | None:
        # A copy of what was ingested, so citations can be checked against the original.
        # It is written under a hidden temporary name beside the kept one and only swapped
        # in (an atomic rename) after the store commit.
        if self.files_dir is None:
            return None
        folder = self.files_dir / doc_id
        folder.mkdir(parents=True, exist_ok=True)
        # Not named after the file: a name near the 255-byte limit must still fit.
        staged = folder / f".incoming-{os.getpid()}"
        shutil.copy2(path, staged)
        # copy2 copies the source's mode too: a kept original (an internal document, maybe)
        # must not become world-readable because the file it came from was.
        os.chmod(staged, 0o600)
        return staged

    def _repair_original(self, path: Path, doc_id: str) -> None:
        # An ingest killed between its commit and the swap left the stored document
        # without its kept original (or with the previous version plus a staged copy).
        if self.files_dir is None:
            return
        folder = self.files_dir / doc_id
        if (folder / path.name).is_file() and not any(folder.glob(".incoming-*")):
            return
        self._swap_original(self._stage_original(path, doc_id), path.name)

    def _swap_original(self, staged: Path | None, name: str) -> None:
        if staged is None:
            return
        kept = staged.with_name(name)
        os.replace(staged, kept)
        # Leftovers of an earlier interrupted ingest (a kept file's name never changes:
        # the doc_id derives from the path, name included).
        for other in staged.parent.iterdir():
            if other != kept:
                if other.is_dir():
                    shutil.rmtree(other, ignore_errors=True)
                else:
                    other.unlink(missing_ok=True)

    def remove(self, ref: str) -> DocumentInfo:
        """Delete a stored document (doc_id or source name) and its kept original."""
        info = self.store.find_document(ref)
        self.store.delete_document(info.doc_id)
        if self.files_dir is not None:
            shutil.rmtree(self.files_dir / info.doc_id, ignore_errors=True)
        return info


def _labelled(bar: tqdm) -> Iterator[FileRead]:
    for read in bar:
        bar.set_postfix_str(read.path.name, refresh=False)
        yield read
