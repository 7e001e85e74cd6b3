"""Results documents for the report tests, built fresh on every call."""

STATUS_DEFAULTS = {
    # final status: (observed, expected)
    "PASS": ("PASS", ["PASS"]),
    "FAIL": ("FAIL", ["PASS"]),
    "XFAIL": ("FAIL", ["FAIL"]),
    "XPASS": ("PASS", ["FAIL"]),
    "SKIP": ("SKIP", ["SKIP"]),
    "ERROR": ("ERROR", ["PASS"]),
    "TIMEOUT": ("TIMEOUT", ["PASS"]),
}

STATEMENTS = {
    "VIS-001": "A write through one agent's view is read through another agent's view.",
    "VIS-002": "A write made before unmapping is visible to an agent that maps the object later.",
    "LIFE-001": "An object stays readable while a view of it exists after its name is removed.",
    "LIFE-002": "Closing the last handle and view destroys the object.",
    "NAME-001": "Creating an existing name exclusively fails with an 'exists' error.",
    "NAME-002": "A name may hold a '#' and still open the same object.",
}


def make_result(result_id, clause, backend, status, expected=None, reason=None,
                message="", process="exit 0", duration_ms=12, statement=None,
                transcript=None, output="", check="default"):
    observed, default_expected = STATUS_DEFAULTS[status]
    expected = list(expected or default_expected)
    unexpected = (status in ("FAIL", "XPASS")
                  or (status in ("PASS", "SKIP", "ERROR", "TIMEOUT") and status not in expected))
    if check == "default":
        # the label of the check that failed, or the step that ended the case
        check = {"PASS": None, "XPASS": None, "FAIL": "b-reads-a-write", "XFAIL": "b-reads-a-write",
                 "TIMEOUT": "read"}.get(status, "create")
    area = result_id.split("-")[0].lower()
    if transcript is None:
        transcript = (
            f"+0.000 A <- create name=/mapconf-{result_id} size=4096 backend={backend} excl=1\n"
            "+0.001 A -> ok handle=3\n"
            "+0.002 B <- open name=/mapconf-" + result_id + "\n"
            "+0.003 B -> ok handle=4\n"
        )
    return {
        "id": result_id,
        "clause": clause,
        "statement": statement or STATEMENTS.get(result_id, f"Statement of {result_id}."),
        "backend": backend,
        "case": f"{area}:{result_id.lower().replace('-', '_')}",
        "status": status,
        "observed": observed,
        "expected": expected,
        "reason": reason,
        "unexpected": unexpected,
        "check": check,
        "message": message,
        "duration_ms": duration_ms,
        "evidence": {"transcript": transcript, "output": output, "process": process},
    }


def make_doc(results, platform_id="native"):
    """A document around `results` with counters that match them."""
    counts = {status: 0 for status in STATUS_DEFAULTS}
    for result in results:
        counts[result["status"]] += 1
    return {
        "schema": 2,
        "run_info": {
            "platform": "native",
            "platform_id": platform_id,
            "os": "Debian GNU/Linux 12 (bookworm)",
            "kernel": "Linux 6.1.0-18-amd64",
            "arch": "x86_64",
            "libc": "glibc 2.36",
            "runtime": None,
            "mapconf_version": "0.1.0",
            "git_revision": "3f2a9c1",
            "start_time": "2026-11-21T21:30:00Z",
            "duration_s": 12.5,
            "command": "./mapconf run -j 2",
            "counts": counts,
            "unexpected": sum(1 for result in results if result["unexpected"]),
        },
        "results": results,
    }


def realistic_doc():
    """Twelve results on two backends in three areas, every final status present."""
    return make_doc([
        make_result("VIS-001", "C5", "posix-shm", "PASS"),
        make_result("VIS-001", "C5", "file", "PASS", duration_ms=15),
        make_result("VIS-002", "C5", "posix-shm", "FAIL",
                    message="cases/visibility.c:42: B read 00000000, expected deadbeef",
                    process="exit 1", output="visibility.c:42: assertion failed\n"),
        make_result("VIS-002", "C5", "file", "XFAIL",
                    reason="file mappings are not coherent with later views on this platform",
                    message="cases/visibility.c:42: B read 00000000, expected deadbeef",
                    process="exit 1"),
        make_result("LIFE-001", "C2", "posix-shm", "PASS"),
        make_result("LIFE-001", "C2", "file", "XPASS",
                    reason="unlinking a mapped file was expected to fail here"),
        make_result("LIFE-002", "C10", "posix-shm", "SKIP", reason="needs a second user account",
                    message="skipped: no second user", duration_ms=0),
        make_result("LIFE-002", "C10", "file", "ERROR", message="agent B lost its connection",
                    process="signal SIGSEGV"),
        make_result("NAME-001", "C11", "posix-shm", "TIMEOUT", message="no reply from agent A",
                    process="timeout after 30 s", duration_ms=30000),
        make_result("NAME-001", "C11", "file", "ERROR", expected=["ERROR"],
                    reason="exclusive create is not implemented for files here",
                    message="agent A: create failed: EINVAL", process="exit 2"),
        make_result("NAME-002", "C1", "posix-shm", "PASS"),
        make_result("NAME-002", "C1", "file", "PASS", expected=["SKIP"],
                    reason="file names cannot hold '#' on this platform"),
    ])


def all_expected_doc():
    """Only outcomes the spec expects: PASS, XFAIL, SKIP and a predicted ERROR."""
    return make_doc([
        make_result("VIS-001", "C5", "posix-shm", "PASS"),
        make_result("VIS-002", "C5", "file", "XFAIL", reason="not coherent # on this platform",
                    message="cases/visibility.c:42: B read 00000000, expected deadbeef"),
        make_result("LIFE-002", "C10", "posix-shm", "SKIP", reason="needs a second user account"),
        make_result("NAME-001", "C11", "file", "ERROR", expected=["ERROR"],
                    reason="exclusive create is not implemented for files here"),
        make_result("NAME-002", "C1", "posix-shm", "PASS"),
    ])


HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_ATTRIBUTE = '"><img src=x onerror=alert(1)>'
HOSTILE_CONTROLS = "\x00\x01\x08\x0b\x1b[31m\x7f\x85"
# Ends of the containers a writer might put text in: CDATA, comments, style,
# script; an entity that must stay literal; a URL scheme that runs script.
HOSTILE_ENDINGS = "]]> --> </style> </script > &amp; &#0; javascript:alert(1)"
# A native value with markup glued on: only the value may be picked out.
HOSTILE_NATIVE = "err code=other native=EINVAL<b>bold</b>"
LONG_LINE = "x" * 100000


def hostile_doc():
    """Strings that would break a careless writer, in every free-text field."""
    nasty = (f"{HOSTILE_SCRIPT} {HOSTILE_ATTRIBUTE} # SKIP \\ {HOSTILE_CONTROLS} \ud800 \uffff "
             f"{HOSTILE_ENDINGS} {HOSTILE_NATIVE}")
    results = [
        make_result("VIS-001", "C5", "posix-shm", "FAIL", statement=nasty, message=nasty,
                    process=nasty, transcript=nasty + "\n" + LONG_LINE, output=nasty),
        make_result("VIS-001", "C5", "file", "XFAIL", statement=nasty, reason=nasty, message=nasty),
        make_result("VIS-002", "C5", "file", "SKIP", reason=nasty, message=nasty),
    ]
    doc = make_doc(results, platform_id=HOSTILE_SCRIPT)
    doc["run_info"].update(os=nasty, command=nasty, runtime=HOSTILE_ATTRIBUTE)
    return doc
