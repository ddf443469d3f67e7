#!/usr/bin/env python3
"""lcop.py - one file-system operation for the request-lifecycle tests
(tests/integration/lifecycle_*.sh).

    lcop.py [--ready FILE --go FILE] OP ARGS...

OP is one of
    trunc PATH         os.open(PATH, O_WRONLY|O_TRUNC), close
    unlink PATH        os.unlink(PATH)
    pwrite PATH DATA   PATH is opened O_RDWR first (before --ready); then
                       os.pwrite(fd, DATA, 0), os.fsync(fd), close
    rename OLD NEW     os.rename(OLD, NEW)
    mkdir PATH         os.mkdir(PATH)
    mkfifo PATH        os.mkfifo(PATH)
    creat_excl PATH    os.open(PATH, O_CREAT|O_EXCL|O_WRONLY), close
    mknod_reg PATH     os.mknod(PATH, S_IFREG|0644) (FUSE MKNOD, not CREATE)
    readsha PATH       PATH is opened O_RDONLY first (before --ready); then
                       read to the end in 1 MiB os.read calls; prints
                       "sha256 HEX" of what was read
With --ready/--go, the preparation (the open of pwrite) is done, then FILE
--ready is created and the operation waits (at most 150 s) for FILE --go to
exist before it runs.

The last line printed is OK or the errno name of the first failure (the
test parses it); a line "ms N" before it says how long the operation took.
"""

import errno
import hashlib
import os
import stat
import sys
import time


def main():
    args = sys.argv[1:]
    ready = go = None
    while args and args[0] in ("--ready", "--go"):
        if args[0] == "--ready":
            ready = args[1]
        else:
            go = args[1]
        args = args[2:]
    if not args:
        sys.exit(__doc__)
    op, a = args[0], args[1:]
    fd = None
    try:
        if op == "pwrite":
            fd = os.open(a[0], os.O_RDWR)
        elif op == "readsha":
            fd = os.open(a[0], os.O_RDONLY)
    except OSError as e:
        print("PREP-" + errno.errorcode.get(e.errno, str(e.errno)), flush=True)
        return
    if ready:
        open(ready, "w").close()
    if go:
        end = time.time() + 150
        while not os.path.exists(go):
            if time.time() > end:
                print("NO-GO", flush=True)
                return
            time.sleep(0.02)
    t0 = time.time()
    res = "OK"
    try:
        if op == "trunc":
            os.close(os.open(a[0], os.O_WRONLY | os.O_TRUNC))
        elif op == "unlink":
            os.unlink(a[0])
        elif op == "pwrite":
            os.pwrite(fd, a[1].encode(), 0)
            os.fsync(fd)
            f, fd = fd, None
            os.close(f)
        elif op == "readsha":
            h = hashlib.sha256()
            while True:
                b = os.read(fd, 1 << 20)
                if not b:
                    break
                h.update(b)
            print("sha256 " + h.hexdigest(), flush=True)
        elif op == "rename":
            os.rename(a[0], a[1])
        elif op == "mkdir":
            os.mkdir(a[0])
        elif op == "mkfifo":
            os.mkfifo(a[0])
        elif op == "mknod_reg":
            os.mknod(a[0], stat.S_IFREG | 0o644)
        elif op == "creat_excl":
            os.close(os.open(a[0], os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        else:
            sys.exit("lcop.py: unknown op " + op)
    except OSError as e:
        res = errno.errorcode.get(e.errno, str(e.errno))
    print("ms %d" % ((time.time() - t0) * 1000), flush=True)
    print(res, flush=True)


if __name__ == "__main__":
    main()
