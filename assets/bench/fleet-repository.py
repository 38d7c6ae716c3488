#!/usr/bin/env python3
"""Add many snapshots to an existing local restic repository (format v2), fast.

`restic backup --time ...` pays ~1 s of scrypt per run, which makes a
500-host x 10-snapshot benchmark fleet take well over an hour. Snapshot files
are just small encrypted JSON documents, so we unlock the master key once via
restic and write the files ourselves, the way restic 0.14 does
(internal/repository/repository.go SaveUnpacked, internal/crypto/crypto.go).

Usage:
  python3 fleet-repository.py --repo DIR --password-file FILE --snapshots SPEC.json
SPEC.json: [{"hostname": "till-001", "time": "2026-12-01T10:00:00Z", "tags": [...]}, ...]

Every new snapshot points at the tree of the repository's first existing
snapshot, so the repository must already hold one real snapshot.
"""
import argparse
import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
from datetime import datetime

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.poly1305 import Poly1305


def restic_json(env, *args):
    # Argument list, no shell: the repo path and password file come from the caller.
    # --no-lock: read-only queries need not touch locks/ (and work on read-only repos).
    out = subprocess.run(["restic", *args, "--no-lock"], env=env, check=True,
                         stdout=subprocess.PIPE).stdout
    return json.loads(out)


def seal(plaintext, enc_key, mac_k, mac_r):
    """IV || AES-256-CTR(plaintext) || Poly1305-AES(ciphertext), as crypto.Key.Seal."""
    iv = os.urandom(16)
    enc = Cipher(algorithms.AES(enc_key), modes.CTR(iv)).encryptor()
    ct = enc.update(plaintext) + enc.finalize()
    # Poly1305-AES: the one-time "s" half is AES-128(mac.k, IV). The "r" half is
    # passed unclamped: restic already stores r masked, and OpenSSL's Poly1305
    # clamps r itself exactly like Go's x/crypto/poly1305 (checked both ways).
    ecb = Cipher(algorithms.AES(mac_k), modes.ECB()).encryptor()
    s = ecb.update(iv) + ecb.finalize()
    return iv + ct + Poly1305.generate_tag(mac_r + s, ct)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--snapshots", required=True, help="JSON array of {hostname,time,tags}")
    a = ap.parse_args()

    env = dict(os.environ, RESTIC_REPOSITORY=a.repo, RESTIC_PASSWORD_FILE=a.password_file)
    with open(a.snapshots) as f:
        specs = json.load(f)
    for s in specs:
        # Fail here rather than leave files restic cannot parse (Go wants RFC 3339).
        if datetime.fromisoformat(s["time"].replace("Z", "+00:00")).tzinfo is None:
            sys.exit(f"time without a zone offset: {s['time']}")

    mk = restic_json(env, "cat", "masterkey")
    enc_key = base64.b64decode(mk["encrypt"])
    mac_k = base64.b64decode(mk["mac"]["k"])
    mac_r = base64.b64decode(mk["mac"]["r"])

    snaps = restic_json(env, "snapshots", "--json")
    if not snaps:
        sys.exit("repository has no snapshot to use as a template")
    template = snaps[0]
    snapdir = os.path.join(a.repo, "snapshots")
    # Match whatever mode restic gave its own files (0.14's local backend: 0400).
    mode = stat.S_IMODE(os.stat(os.path.join(snapdir, template["id"])).st_mode)
    # id/short_id are derived from the file name, not stored; parent/original
    # would point new hosts' snapshots at the template's history.
    for k in ("id", "short_id", "parent", "original"):
        template.pop(k, None)

    for s in specs:
        snap = dict(template, hostname=s["hostname"], time=s["time"], tags=list(s.get("tags", [])))
        # Stored uncompressed: v2 repos accept plaintext starting with '{' as raw
        # JSON (repository.go decompressUnpacked), so no zstd dependency is needed.
        data = seal(json.dumps(snap, separators=(",", ":")).encode(), enc_key, mac_k, mac_r)
        name = hashlib.sha256(data).hexdigest()  # restic's storage ID = hash of the file
        final = os.path.join(snapdir, name)
        tmp = final + ".tmp"
        # Readers list snapshots/ concurrently; they must never see a partial file.
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.rename(tmp, final)
    # One directory fsync makes all the renames durable.
    dfd = os.open(snapdir, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)

    print(f"wrote {len(specs)} snapshots to {a.repo}")


if __name__ == "__main__":
    main()
