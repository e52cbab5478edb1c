"""Background ingest of uploaded files, one at a time, with a status the UI can poll.

Uploads are ingested on their own single thread (ingest takes the store's write path and
the index writer lock anyway), never on the request pool, so a long OCR job cannot starve
searches. Each upload is stored under ``<data_dir>/uploads/<access>/<name>``: the document id
derives from that path, so re-uploading an edited file replaces it, and a file uploaded for
one access level can never overwrite a document of another. Both parts are checked names,
never paths: the access level matches ``[a-z0-9_-]{1,32}`` and the name is ``safe_filename``'s.

Durable: an upload is journalled (``uploads/.jobs/<id>.json``, written before the 202) and
the journal follows its status. After a crash, ``recover()`` (at start-up) queues again every
upload whose file survived and marks the others failed with the reason, and deletes files
no journal entry claims (``.incoming`` temp files, stale upload copies).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ingest.lock import ingest_lock
from policyqa.faults import crash_point, write_point
from policyqa.storage import storage_error, storage_errors
from policyqa.validation import check_access_level
from ui.api.schemas import IngestState, UploadJob
from ui.api.uploads import safe_filename

log = logging.getLogger("policyqa.api")

_MAX_REMEMBERED_JOBS = 500
INGEST_LOCK_WAIT_S = 600.0  # a CLI ingest of a large folder may hold the data dir for minutes
LOST_IN_RESTART = "服务重启时该上传的文件已不存在，请重新上传 (the uploaded file was lost in a restart)"
_ACTIVE = ("queued", "ingesting", "indexing")


@dataclass(frozen=True)
class JobRecord:
    """An upload's progress; ``access`` is the access level its document will carry and
    ``incoming`` the name of its received file in ``uploads/.incoming`` (until ingested)."""

    upload_id: str
    source: str
    access: str
    status: IngestState
    doc_id: str | None = None
    error: str | None = None
    warnings: tuple[str, ...] = field(default=())
    incoming: str | None = None

    def to_model(self) -> UploadJob:
        return UploadJob(upload_id=self.upload_id, source=self.source, access=self.access, status=self.status,
                         doc_id=self.doc_id, error=self.error, warnings=list(self.warnings))


class IngestJobs:
    """Queues uploads for ingest, journals them, and remembers how each one went."""

    def __init__(self, workspace, uploads_dir: Path, on_finished: Callable[[str], None] | None = None):
        self.workspace = workspace
        self.uploads_dir = Path(uploads_dir)
        self.on_finished = on_finished
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policyqa-ingest")
        self._jobs: OrderedDict[str, JobRecord] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def incoming_dir(self) -> Path:
        """Where received files wait for their job (on the data dir's file system, so the job
        moves them instead of copying)."""
        return self.uploads_dir / ".incoming"

    @property
    def journal_dir(self) -> Path:
        """One JSON record per upload not yet ingested (or failed), so a crash loses none."""
        return self.uploads_dir / ".jobs"

    def target_path(self, access: str, source: str) -> Path:
        """``<uploads>/<access>/<name>`` for a checked access level and file name; refuses
        anything that would land outside the uploads folder."""
        check_access_level(access)
        if safe_filename(source) != source:
            raise ValueError(f"not a safe file name: {source!r}")
        target = self.uploads_dir / access / source
        if not target.resolve().is_relative_to(self.uploads_dir.resolve()):
            raise ValueError(f"upload path outside {self.uploads_dir}: {target}")
        return target

    def submit(self, temp_path: Path, source: str, access: str) -> JobRecord:
        """Queue the received file (a temp file in ``incoming_dir`` this object now owns) for
        ingest; journalled before this returns, so the caller may answer 202."""
        self.target_path(access, source)  # refused here, before the caller is told "queued"
        temp_path = Path(temp_path)
        if temp_path.parent.resolve() != self.incoming_dir.resolve():
            raise ValueError(f"uploads are received into {self.incoming_dir}, not {temp_path.parent}")
        job = JobRecord(secrets.token_hex(8), source, access, "queued", incoming=temp_path.name)
        self._journal(job)
        self._put(job)
        self._executor.submit(self._run, job)
        return job

    def recover(self) -> None:
        """At start-up: resume the uploads a crash interrupted, fail those whose file is gone
        (saying why), list earlier failures, and delete files no upload claims."""
        records = []
        for path in sorted(self.journal_dir.glob("*.json")) if self.journal_dir.is_dir() else ():
            try:
                records.append(JobRecord(**{**json.loads(path.read_text("utf-8")), "warnings": ()}))
            except (OSError, ValueError, TypeError):
                log.warning("unreadable upload journal entry %s removed", path.name)
                path.unlink(missing_ok=True)
        claimed: set[Path] = set()
        resumed = []
        for job in records:
            if job.status not in _ACTIVE:
                self._put(job)
                continue
            file = self._file_of(job)
            if file is None:
                self._advance(replace(job, status="failed", error=LOST_IN_RESTART, incoming=None))
                continue
            claimed.add(file.resolve())
            resumed.append(replace(job, status="queued"))
        # Before any resumed job runs: a job moves its file, and the sweep must not see it mid-move.
        self._remove_unclaimed(claimed)
        for job in resumed:
            log.warning("resuming upload %s (%s) interrupted by a restart", job.upload_id, job.source)
            self._put(job)
            self._executor.submit(self._run, job)

    def _file_of(self, job: JobRecord) -> Path | None:
        # Before the move the file is in .incoming, after it at its target path.
        for candidate in (self.incoming_dir / job.incoming if job.incoming else None,
                          self.target_path(job.access, job.source)):
            if candidate is not None and candidate.is_file():
                return candidate
        return None

    def _remove_unclaimed(self, claimed: set[Path]) -> None:
        if not self.uploads_dir.is_dir():
            return
        for folder in self.uploads_dir.iterdir():
            if folder.name in (".jobs", ".gradio") or not folder.is_dir():
                continue  # the journal; Gradio's own cache (swept by Gradio)
            for leftover in folder.rglob("*"):
                if leftover.is_file() and leftover.resolve() not in claimed:
                    log.info("removing upload leftover %s", leftover)
                    with contextlib.suppress(OSError):
                        leftover.unlink()

    def get(self, upload_id: str) -> JobRecord | None:
        with self._lock:
            return self._jobs.get(upload_id)

    def list(self) -> list[JobRecord]:
        with self._lock:
            return list(self._jobs.values())

    def wait_idle(self, timeout: float | None = None) -> None:
        """Block until every queued upload has been processed (for shutdown and tests)."""
        self._executor.submit(lambda: None).result(timeout)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _put(self, job: JobRecord) -> None:
        with self._lock:
            self._jobs[job.upload_id] = job
            self._jobs.move_to_end(job.upload_id)
            while len(self._jobs) > _MAX_REMEMBERED_JOBS:
                forgotten, _ = self._jobs.popitem(last=False)
                with contextlib.suppress(OSError):
                    (self.journal_dir / f"{forgotten}.json").unlink(missing_ok=True)

    def _journal(self, job: JobRecord) -> None:
        """Write (atomically) or, for a finished upload, delete the job's journal entry."""
        path = self.journal_dir / f"{job.upload_id}.json"
        if job.status == "ready":
            path.unlink(missing_ok=True)
            return
        with storage_errors("记录上传任务"):
            write_point("upload_journal")
            self.journal_dir.mkdir(parents=True, exist_ok=True)
            staging = path.with_suffix(".tmp")
            with open(staging, "w", encoding="utf-8") as out:
                json.dump({**asdict(job), "warnings": list(job.warnings)}, out, ensure_ascii=False)
                out.flush()
                os.fsync(out.fileno())
            os.replace(staging, path)

    def _advance(self, job: JobRecord) -> JobRecord:
        self._put(job)
        with contextlib.suppress(OSError):  # the job goes on; the journal catches up next step
            self._journal(job)
        return job

    def _run(self, job: JobRecord) -> None:
        from ingest.pipeline import Ingestor

        target = self.target_path(job.access, job.source)
        incoming = self.incoming_dir / job.incoming if job.incoming else None
        crash_point("upload_accepted")  # journalled and answered 202, nothing ingested yet
        try:
            if incoming is not None and incoming.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(incoming), target)
            job = self._advance(replace(job, status="ingesting"))
            template = self.workspace.ingestor
            ingestor = Ingestor(self.workspace.store, template.chunker, template.limits, template.files_dir,
                                access=job.access, twins_within_access=True)
            # Serialised with `policyqa ingest` runs on the same data dir (they wait for us too).
            with ingest_lock(self.workspace.settings.data_dir, wait_s=INGEST_LOCK_WAIT_S):
                report = ingestor.ingest_file(target)
                if report.status == "failed":
                    job = replace(job, status="failed", error=report.error or "ingest failed")
                elif report.status == "duplicate":
                    # Only a document at the upload's own level can be the twin: one the uploader may see.
                    job = replace(job, status="failed",
                                  error=f"相同内容的文件已入库：{report.duplicate_of} (an identical file is already stored)")
                else:
                    job = self._advance(replace(job, status="indexing", doc_id=report.doc_id,
                                                warnings=report.warnings))
                    self.workspace.sync_index()
                    job = replace(job, status="ready")
        except Exception as exc:  # a background job must report, never vanish
            refusal = storage_error(exc, "入库")
            if refusal is None:
                log.exception("ingest of upload %s failed", job.source)
            job = replace(job, status="failed", error=str(refusal or exc) or type(exc).__name__)
        finally:
            # An error here must not escape: the job would stay "queued" forever.
            with contextlib.suppress(OSError):
                if incoming is not None:
                    incoming.unlink(missing_ok=True)
                # The kept original lives under files/<doc_id>/; the upload copy is not needed.
                target.unlink(missing_ok=True)
        self._advance(replace(job, incoming=None))
        if self.on_finished is not None:
            self.on_finished(job.status)
