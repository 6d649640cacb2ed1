"""An independent verifier of provenance's checkpoints and proofs, written
from docs/TRANSPARENCY.md alone with the `cryptography` package: it shares
no code with the Rust implementation, so agreement means the formats are
what the docs say.

    tlog_verify.py note VKEY CHECKPOINT_FILE      verify the signed note
    tlog_verify.py root LOG_FILE SIZE              RFC 6962 root of the first SIZE lines
    tlog_verify.py inclusion VKEY PROOF_JSON       verify `provenance proof ID --json`
    tlog_verify.py consistency VKEY PROOF_JSON     verify `provenance proof --consistency OLD --json`

Prints what it checked and exits 0, or prints why not and exits 1.
"""

import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def parse_vkey(vkey):
    name, key_id, key = vkey.strip().split("+", 2)
    raw = base64.b64decode(key)
    if raw[0] != 1 or len(raw) != 33:
        fail("not an Ed25519 verifier key")
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if expected.hex() != key_id:
        fail("key ID does not match the key")
    return name, expected, Ed25519PublicKey.from_public_bytes(raw[1:])


def verify_note(vkey, note):
    name, key_id, public = parse_vkey(vkey)
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        fail("no blank line in the note")
    text += "\n"
    verified = False
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            fail("bad signature line: " + line)
        signer, blob = line[2:].split(" ", 1)
        blob = base64.b64decode(blob)
        if signer != name or blob[:4] != key_id:
            continue
        try:
            public.verify(blob[4:], text.encode())
        except InvalidSignature:
            fail("signature does not verify")
        verified = True
    if not verified:
        fail("no signature by " + name)
    origin, size, root = text.splitlines()[:3]
    return origin, int(size), base64.b64decode(root)


def leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(leaf_hash, index, size, proof, root):
    # RFC 9162, section 2.1.3.2.
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, old_root, new_root, proof):
    # RFC 9162, section 2.1.4.2.
    if m == n:
        return not proof and old_root == new_root
    if m == 0 or m > n or not proof and m != n:
        return False
    if m & (m - 1) == 0:
        proof = [old_root] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


def main():
    cmd = sys.argv[1]
    if cmd == "note":
        with open(sys.argv[3], encoding="utf-8") as f:
            origin, size, root = verify_note(sys.argv[2], f.read())
        print(f"ok {origin} {size} {base64.b64encode(root).decode()}")
    elif cmd == "root":
        size = int(sys.argv[3])
        with open(sys.argv[2], "rb") as f:
            lines = f.read().split(b"\n")[:size]
        if len(lines) < size:
            fail("the log has fewer lines")
        print(base64.b64encode(mth([leaf(line) for line in lines])).decode())
    elif cmd == "inclusion":
        with open(sys.argv[3], encoding="utf-8") as f:
            p = json.load(f)
        origin, size, root = verify_note(sys.argv[2], p["checkpoint"])
        lh = leaf(p["log_entry"].encode())
        if base64.b64encode(lh).decode() != p["leaf_hash"]:
            fail("leaf hash is not SHA-256(0x00 || log entry)")
        if size != p["tree_size"] or base64.b64encode(root).decode() != p["root_hash"]:
            fail("the proof's tree is not the checkpoint's")
        proof = [base64.b64decode(h) for h in p["proof"]]
        if not verify_inclusion(lh, p["leaf_index"], size, proof, root):
            fail("the inclusion proof does not lead to the checkpoint's root")
        print(f"ok entry {p['leaf_index']} is in {origin} at size {size}")
    elif cmd == "consistency":
        with open(sys.argv[3], encoding="utf-8") as f:
            p = json.load(f)
        _, m, old_root = verify_note(sys.argv[2], p["old_checkpoint"])
        origin, n, new_root = verify_note(sys.argv[2], p["new_checkpoint"])
        proof = [base64.b64decode(h) for h in p["proof"]]
        if not verify_consistency(m, n, old_root, new_root, proof):
            fail("the consistency proof does not lead from the old root to the new")
        print(f"ok {origin} at size {n} extends size {m}")
    else:
        fail("unknown command " + cmd)


main()
