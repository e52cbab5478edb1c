"""Background ingest of uploaded files, one at a time, with a status the UI can poll.

Uploads are ingested on their own single thread (ingest takes the store's write path and
the index writer lock anyway), never on the request pool, so a long OCR job cannot starve
searches. Each upload is stored under ``<data_dir>/uploads/<access>/<name>``: the document id
derives from that path, so re-uploading an edited file replaces it, and a file uploaded for
one access level can never overwrite a document of another. Both parts are checked names,
never paths: the access level matches ``[a-z0-9_-]{1,32}`` and the name is ``safe_filename``'s.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.lock import ingest_lock
from policyqa.validation import check_access_level
from ui.api.schemas import IngestState, UploadJob
from ui.api.uploads import safe_filename

log = logging.getLogger("policyqa.api")

_MAX_REMEMBERED_JOBS = 500
INGEST_LOCK_WAIT_S = 600.0  # a CLI ingest of a large folder may hold the data dir for minutes


@dataclass(frozen=True)
class JobRecord:
    """An upload's progress; ``access`` is the access level its document will carry."""

    upload_id: str
    source: str
    access: str
    status: IngestState
    doc_id: str | None = None
    error: str | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_model(self) -> UploadJob:
        return UploadJob(upload_id=self.upload_id, source=self.source, access=self.access, status=self.status,
                         doc_id=self.doc_id, error=self.error, warnings=list(self.warnings))


class IngestJobs:
    """Queues uploads for ingest and remembers how each one went."""

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
        """Queue the received file (a temp file this object now owns) for ingest."""
        self.target_path(access, source)  # refused here, before the caller is told "queued"
        job = JobRecord(secrets.token_hex(8), source, access, "queued")
        self._put(job)
        self._executor.submit(self._run, job, Path(temp_path))
        return job

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
                self._jobs.popitem(last=False)

    def _run(self, job: JobRecord, temp_path: Path) -> None:
        from ingest.pipeline import Ingestor

        target = self.target_path(job.access, job.source)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(temp_path), target)
            self._put(job := replace(job, status="ingesting"))
            template = self.workspace.ingestor
            ingestor = Ingestor(self.workspace.store, template.chunker, template.limits, template.files_dir,
                                access=job.access)
            # Serialised with `policyqa ingest` runs on the same data dir (they wait for us too).
            with ingest_lock(self.workspace.settings.data_dir, wait_s=INGEST_LOCK_WAIT_S):
                report = ingestor.ingest_file(target)
                if report.status == "failed":
                    job = replace(job, status="failed", error=report.error or "ingest failed")
                elif report.status == "duplicate":
                    # Never name the stored twin: the uploader may not be allowed to see it.
                    job = replace(job, status="failed", error="an identical file is already stored")
                else:
                    self._put(job := replace(job, status="indexing", doc_id=report.doc_id, warnings=report.warnings))
                    self.workspace.sync_index()
                    job = replace(job, status="ready")
        except Exception as exc:  # a background job must report, never vanish
            log.exception("ingest of upload %s failed", job.source)
            job = replace(job, status="failed", error=str(exc) or type(exc).__name__)
        finally:
            # An error here must not escape: the job would stay "queued" forever.
            with contextlib.suppress(OSError):
                temp_path.unlink(missing_ok=True)
                # The kept original lives under files/<doc_id>/; the upload copy is not needed.
                target.unlink(missing_ok=True)
        self._put(job)
        if self.on_finished is not None:
            self.on_finished(job.status)
