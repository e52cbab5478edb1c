"""Finding 8 of issue 20, continued: the audit log rotates by size instead of filling the disk."""

from __future__ import annotations

from ui.api.audit import AuditLog


def test_the_audit_log_rotates_by_size(own_server):
    server = own_server(env={"POLICYQA_AUDIT_MAX_KB": "16", "POLICYQA_AUDIT_KEEP": "2"})
    with server.client("public_reader") as client:
        for n in range(80):
            assert client.post("/api/search", json={"query": f"轮转探针{n} 数据共享", "k": 10}).status_code == 200
    logs = sorted(p.name for p in server.data_dir.glob("audit.sqlite3*") if not p.name.endswith(("-wal", "-shm")))
    assert logs == ["audit.sqlite3", "audit.sqlite3.1", "audit.sqlite3.2"], logs
    assert all((server.data_dir / name).stat().st_size < 64 * 1024 for name in logs)
    recent = AuditLog(server.data_dir / "audit.sqlite3").recent(5)
    assert recent and recent[0].query == "轮转探针79 数据共享"
