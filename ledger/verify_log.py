"""Check the fund ledger's transparency log without Django: signed heads, inclusion and consistency.

The log is an RFC 9162 Merkle tree whose leaves are the ledger's entries in id order (leaf
index = entry id − 1). A leaf's data is the entry's canonical JSON bytes (the same bytes whose
SHA-256 is its ``entry_hash``, see verify_export.py); leaf hash = SHA-256(0x00 ‖ data), node
hash = SHA-256(0x01 ‖ left ‖ right). The fund signs each tree head with Ed25519 over:

    fund-ledger-tree-head/v1\\n<origin>\\n<size>\\n<root hash, hex>\\n<timestamp, YYYY-MM-DDTHH:MM:SSZ>\\n

This file uses only the standard library (the ``cryptography`` package speeds up Ed25519 if
installed) so anyone can download it and check the fund's published proofs years later.
"""

import os
import sys

# Run as `python ledger/<this file>` inside the project, Python puts ledger/ first on sys.path,
# where the project's `selectors` package would hide the standard library's module of that name.
HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == HERE and os.path.isdir(os.path.join(HERE, "selectors")):
    del sys.path[0]

import base64
import hashlib
import json

HEAD_PREFIX = "fund-ledger-tree-head/v1"
KEY_PREFIX = b"fund-ledger-key/v1\n"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_leaves(leaf_hashes: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1, from the leaf hashes themselves (for small trees and tests)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(root_from_leaves(leaf_hashes[:k]), root_from_leaves(leaf_hashes[k:]))


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``index`` in the tree with ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: list[bytes], first_root: bytes, second_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show the tree of ``second`` leaves extends the one of ``first``?"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- signed tree heads ---------------------------------------------------------------------------


def head_message(origin: str, size: int, root_hash_hex: str, timestamp: str) -> bytes:
    """The exact bytes the fund signs for one tree head."""
    for line in (origin, root_hash_hex, timestamp):
        if "\n" in line:
            raise ValueError("a tree head field cannot contain a line break")
    return f"{HEAD_PREFIX}\n{origin}\n{int(size)}\n{root_hash_hex}\n{timestamp}\n".encode()


COSIGNATURE_PREFIX = "fund-ledger-cosignature/v1"


def cosignature_message(witness: str, cosigned_at: str, head: dict) -> bytes:
    """The bytes a witness signs to vouch for a head it checked: its name, when, then the head itself."""
    for line in (witness, cosigned_at):
        if "\n" in line:
            raise ValueError("a cosignature field cannot contain a line break")
    signed = head_message(head["origin"], head["size"], head["root_hash"], head["timestamp"])
    return f"{COSIGNATURE_PREFIX}\n{witness}\n{cosigned_at}\n".encode() + signed


def key_id(public_key: bytes) -> str:
    """A short name for a public key: the first 16 hex digits of SHA-256 over a tagged copy."""
    return hashlib.sha256(KEY_PREFIX + public_key).hexdigest()[:16]


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 (RFC 8032) signature check: the ``cryptography`` package when installed, else pure Python."""
    if not all(isinstance(value, (bytes, bytearray)) for value in (public_key, message, signature)):
        return False
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return _ed25519_verify_pure(bytes(public_key), bytes(message), bytes(signature))
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(bytes(signature), bytes(message))
    except (InvalidSignature, ValueError):
        return False
    return True


# --- Ed25519 in pure Python (RFC 8032 §5.1), so the file needs nothing but the standard library -----
# Points are kept in extended coordinates (X : Y : Z : T) with x = X/Z, y = Y/Z, x·y = T/Z, which
# makes addition free of inversions. This code is for checking public signatures: it is not
# constant-time, so a witness signing with it should keep its seed on a machine it trusts.

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493  # the order of the base point
_D = -121665 * pow(121666, -1, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)  # a square root of −1 mod p
_IDENTITY = (0, 1, 1, 0)


def _point_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    e1 = (y1 - x1) * (y2 - x2) % _P
    e2 = (y1 + x1) * (y2 + x2) % _P
    c = 2 * _D * t1 * t2 % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = e2 - e1, d - c, d + c, e2 + e1
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _point_double(a):
    x1, y1, z1, _ = a
    a2, b2, c2 = x1 * x1 % _P, y1 * y1 % _P, 2 * z1 * z1 % _P
    h = a2 + b2
    e = h - (x1 + y1) * (x1 + y1)
    g = a2 - b2
    f = c2 + g
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _point_negate(a):
    x, y, z, t = a
    return (-x % _P, y, z, -t % _P)


def _recover_x(y: int, sign: int):
    """The x with x² = (y² − 1)/(d·y² + 1) and the given low bit (RFC 8032 §5.1.3); None if there is none."""
    if y >= _P:
        return None
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if v * x * x % _P == u:
        pass
    elif v * x * x % _P == -u % _P:
        x = x * _SQRT_M1 % _P
    else:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return x


def _point_decode(data: bytes):
    """The point a 32-byte string encodes, or None when it is not a canonical point on the curve."""
    if len(data) != 32:
        return None
    number = int.from_bytes(data, "little")
    y, sign = number & ((1 << 255) - 1), number >> 255
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


def _point_encode(point) -> bytes:
    x, y, z, _ = point
    inverse = pow(z, -1, _P)
    x, y = x * inverse % _P, y * inverse % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


_BASE_Y = 4 * pow(5, -1, _P) % _P
_BASE = (_recover_x(_BASE_Y, 0), _BASE_Y, 1, _recover_x(_BASE_Y, 0) * _BASE_Y % _P)


def _scalar_multiply(scalar: int, point):
    result = _IDENTITY
    while scalar:
        if scalar & 1:
            result = _point_add(result, point)
        point = _point_double(point)
        scalar >>= 1
    return result


def _double_scalar_multiply(s: int, p, k: int, q):
    """[s]P + [k]Q in one pass over the bits (Straus–Shamir), the cost of verifying a signature."""
    both = _point_add(p, q)
    result = _IDENTITY
    for bit in range(max(s.bit_length(), k.bit_length()) - 1, -1, -1):
        result = _point_double(result)
        pick = ((s >> bit) & 1, (k >> bit) & 1)
        if pick == (1, 1):
            result = _point_add(result, both)
        elif pick == (1, 0):
            result = _point_add(result, p)
        elif pick == (0, 1):
            result = _point_add(result, q)
    return result


def _sha512_scalar(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % _L


def _secret_scalar(seed: bytes):
    """The clamped secret scalar and the nonce prefix an Ed25519 seed expands to (RFC 8032 §5.1.5)."""
    digest = hashlib.sha512(seed).digest()
    scalar = int.from_bytes(digest[:32], "little")
    scalar &= (1 << 254) - 8  # clear the three low bits and bit 255
    scalar |= 1 << 254
    return scalar, digest[32:]


def ed25519_public_key(seed: bytes) -> bytes:
    """The 32-byte public key of a 32-byte Ed25519 seed."""
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    scalar, _ = _secret_scalar(bytes(seed))
    return _point_encode(_scalar_multiply(scalar, _BASE))


def ed25519_sign(seed: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message`` with a 32-byte seed (RFC 8032 §5.1.6)."""
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    scalar, prefix = _secret_scalar(bytes(seed))
    public = _point_encode(_scalar_multiply(scalar, _BASE))
    nonce = _sha512_scalar(prefix, message)
    r = _point_encode(_scalar_multiply(nonce, _BASE))
    k = _sha512_scalar(r, public, message)
    return r + ((nonce + k * scalar) % _L).to_bytes(32, "little")


def _ed25519_verify_pure(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 §5.1.7, checking [S]B − [k]A encodes to exactly R (as OpenSSL does); never raises."""
    try:
        if len(public_key) != 32 or len(signature) != 64:
            return False
        a = _point_decode(public_key)
        s = int.from_bytes(signature[32:], "little")
        if a is None or s >= _L or _point_decode(signature[:32]) is None:
            return False
        k = _sha512_scalar(signature[:32], public_key, message)
        check = _double_scalar_multiply(s, _BASE, k, _point_negate(a))
        return _point_encode(check) == signature[:32]
    except (TypeError, ValueError):
        return False


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


HEX_DIGITS = frozenset("0123456789abcdef")


def _is_hash_hex(text) -> bool:
    return isinstance(text, str) and len(text) == 64 and set(text) <= HEX_DIGITS


def head_problems(head: dict, public_key: bytes) -> list[str]:
    """Why a published head (as served at /fund/log/) cannot be trusted; empty when it checks."""
    if not isinstance(head, dict):
        return ["树头不是 JSON 对象 (head is not an object)"]
    problems = []
    try:
        size = head["size"]
        root_hex = head["root_hash"]
        if not all(isinstance(head[name], str) for name in ("origin", "root_hash", "timestamp", "signature")):
            raise TypeError("origin, root_hash, timestamp and signature must be strings")
        message = head_message(head["origin"], size, root_hex, head["timestamp"])
        signature = _b64decode(head["signature"])
    except (KeyError, TypeError, ValueError, UnicodeEncodeError) as error:
        return [f"树头格式错误 (malformed head): {error}"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        problems.append("size 不是非负整数 (size is not a non-negative integer)")
    if not _is_hash_hex(root_hex):
        problems.append("root_hash 不是 64 位小写十六进制 (root_hash is not 64 lowercase hex digits)")
    if head.get("key_id") not in (None, key_id(public_key)):
        problems.append("树头注明的是另一把公钥 (head names another key)")
    if not ed25519_verify(public_key, message, signature):
        problems.append("签名与基金公钥不符 (signature does not verify with the fund's public key)")
    return problems


def split_views(heads, public_key: bytes | None = None) -> list:
    """Pairs of heads for one log and one size with two different roots: a split view.

    Heads may come from anywhere (this site at different times, a witness, a newspaper). With
    ``public_key``, only heads whose signature checks count, so each pair returned is two
    statements the fund signed that cannot both be true: proof that it showed different
    people different ledgers.
    """
    seen: dict = {}
    pairs = []
    for head in heads:
        if public_key is not None and head_problems(head, public_key):
            continue
        try:
            place = (head.get("origin"), head["size"])
            root_hex = head["root_hash"]
        except (AttributeError, KeyError, TypeError):
            continue
        roots = seen.setdefault(place, {})
        if root_hex in roots:
            continue
        pairs.extend((earlier, head) for earlier in roots.values())
        roots[root_hex] = head
    return pairs


# --- leaves from a full ledger download (the same bytes verify_export.py hashes) ------------------

HASHED_FIELDS = (
    "id", "kind", "amount", "occurred_on", "recorded_at", "project_id", "category_label",
    "memo", "source", "source_ref", "reverses_id", "voucher_id", "voucher_sha256", "prev_hash",
)
OPTIONAL_FIELDS = ("voucher_sha256",)  # hashed only when not empty, as in verify_export.py


def canonical_bytes(record: dict) -> bytes:
    """The exact bytes of one ledger record that are its leaf's data (and whose SHA-256 is entry_hash)."""
    body = {name: record[name] for name in HASHED_FIELDS if name not in OPTIONAL_FIELDS or record.get(name)}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def root_of_stream(leaf_hashes) -> bytes:
    """MTH over leaf hashes given one by one, keeping only one hash per level (for a million leaves)."""
    stack: list = []  # (level, hash) of complete subtrees, largest first
    for leaf in leaf_hashes:
        level, value = 0, leaf
        while stack and stack[-1][0] == level:
            value = node_hash(stack.pop()[1], value)
            level += 1
        stack.append((level, value))
    if not stack:
        return EMPTY_ROOT
    value = stack.pop()[1]
    while stack:
        value = node_hash(stack.pop()[1], value)
    return value


def ledger_problems(document, head: dict, public_key: bytes) -> tuple[list[str], list[str]]:
    """Check a full /fund/ledger.json download against a signed head: (problems, notes).

    Every leaf is recomputed from the records themselves, so an entry changed, removed or
    slipped in shows up as a different root even when whoever did it recomputed the hash chain.
    """
    problems, notes = list(head_problems(head, public_key)), []
    if problems:
        return problems, notes
    entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return ["账本文件中没有 entries 列表 (no entries list in the ledger file)"], notes
    if document.get("year") or document.get("project_id"):
        return ["这是节选，不是完整账本；请下载完整的 /fund/ledger.json (an extract, not the full ledger)"], notes
    size = head["size"]
    leaves, previous = [], "0" * 64
    for position, record in enumerate(entries, start=1):
        try:
            data = canonical_bytes(record)
            entry_id = record["id"]
        except (KeyError, TypeError) as error:
            problems.append(f"第 {position} 条记录缺少字段 (record {position} lacks a field): {error}")
            return problems, notes
        if entry_id != position or isinstance(entry_id, bool):
            problems.append(f"第 {position} 条记录的 id 是 {entry_id!r}，应为 {position}：有记录被删除、插入或重排"
                            f" (ids must run 1, 2, 3 …)")
            return problems, notes
        if record.get("prev_hash") != previous:
            problems.append(f"记录 {entry_id} 的 prev_hash 不是上一条的哈希 (broken hash chain)")
        if hashlib.sha256(data).hexdigest() != record.get("entry_hash"):
            problems.append(f"记录 {entry_id} 的内容与其 entry_hash 不符 (content does not match entry_hash)")
        previous = record.get("entry_hash")
        leaves.append(leaf_hash(data))
    count = len(leaves)
    if count < size:
        problems.append(f"下载的账本只有 {count} 条，签名树头有 {size} 条：记录缺失"
                        f" (the download has {count} entries, the signed head {size})")
        return problems, notes
    if count > size:
        notes.append(f"账本有 {count} 条，树头只覆盖前 {size} 条；其后的记录未由此树头核验"
                     f" (entries after {size} are not covered; fetch /fund/log/heads/{count})")
    root = root_of_stream(leaves[:size])
    if root.hex() != head["root_hash"]:
        problems.append(f"由 {size} 条记录重算的根哈希 {root.hex()} 与签名树头的 {head['root_hash']} 不符："
                        "有记录被篡改、删除或插入 (the recomputed root differs from the signed head)")
    return problems, notes


# --- checking JSON responses as served at /fund/log/ ----------------------------------------------

MAX_PROOF = 2 * 64  # no proof in a tree of fewer than 2^64 leaves is longer


def _proof_hashes(proof) -> list[bytes]:
    if not isinstance(proof, list) or len(proof) > MAX_PROOF or not all(_is_hash_hex(p) for p in proof):
        raise ValueError("proof 应为 64 位小写十六进制哈希的列表 (proof must be a list of hex hashes)")
    return [bytes.fromhex(p) for p in proof]


def inclusion_problems(body, public_key: bytes, *, entry: int | None = None, size: int | None = None) -> list[str]:
    """Why an /fund/log/proof/inclusion response does not prove its leaf; empty when it does.

    ``entry`` and ``size`` are what was asked for: the answer must be about exactly those.
    """
    try:
        head, leaf = body["head"], body["leaf"]
        problems = [f"树头 (head): {p}" for p in head_problems(head, public_key)]
        if problems:
            return problems
        index, data, claimed = leaf["index"], leaf["data"], leaf["leaf_hash"]
        proof = _proof_hashes(body["proof"])
        if not isinstance(index, int) or isinstance(index, bool) or not isinstance(data, str):
            raise TypeError("leaf.index must be an integer and leaf.data a string")
    except (KeyError, TypeError, ValueError) as error:
        return [f"包含证明格式错误 (malformed inclusion proof): {error}"]
    if leaf.get("entry_id") != index + 1:
        problems.append(f"叶子序号 {index} 与记录序号 {leaf.get('entry_id')!r} 不对应 (index must be entry_id − 1)")
    if entry is not None and index != entry - 1:
        problems.append(f"要的是第 {entry} 条记录，回答的是叶子 {index} (answer is about another entry)")
    if size is not None and head["size"] != size:
        problems.append(f"要的是规模 {size}，回答的树头规模是 {head['size']} (answer is about another size)")
    computed = leaf_hash(data.encode("utf-8"))
    if computed.hex() != claimed:
        problems.append("leaf_hash 不是由 data 算出的 (leaf_hash is not the hash of data)")
    if not verify_inclusion(computed, index, head["size"], proof, bytes.fromhex(head["root_hash"])):
        problems.append(f"审计路径不能证明叶子 {index} 在规模 {head['size']} 的树中 (audit path does not verify)")
    return problems


def consistency_problems(body, public_key: bytes, *, first: int | None = None,
                         second: int | None = None) -> list[str]:
    """Why an /fund/log/proof/consistency response does not prove the log only grew; empty when it does."""
    try:
        first_head, second_head = body["first_head"], body["second_head"]
        problems = [f"较早的树头 (first head): {p}" for p in head_problems(first_head, public_key)]
        problems += [f"较新的树头 (second head): {p}" for p in head_problems(second_head, public_key)]
        if problems:
            return problems
        proof = _proof_hashes(body["proof"])
    except (KeyError, TypeError, ValueError) as error:
        return [f"一致性证明格式错误 (malformed consistency proof): {error}"]
    m, n = first_head["size"], second_head["size"]
    if body.get("first") != m or body.get("second") != n:
        problems.append("first/second 与两个树头的规模不符 (first/second do not match the heads' sizes)")
    if (first is not None and m != first) or (second is not None and n != second):
        problems.append(f"要的是 {first} → {second}，回答的是 {m} → {n} (answer is about other sizes)")
    if first_head.get("origin") != second_head.get("origin"):
        problems.append("两个树头属于不同的日志 (the heads name different logs)")
    if m > n:
        problems.append(f"较早的规模 {m} 大于较新的规模 {n}：日志缩小了 (the log shrank)")
    elif not verify_consistency(m, n, proof, bytes.fromhex(first_head["root_hash"]),
                                bytes.fromhex(second_head["root_hash"])):
        problems.append(f"一致性证明不成立：规模 {n} 的日志不是规模 {m} 的延续 (consistency proof does not verify)")
    return problems


# --- the command line -----------------------------------------------------------------------------

TIMEOUT = 20  # seconds per request
MAX_RESPONSE = 1 << 31  # a full ledger download may be large; proofs are small


class FetchError(Exception):
    """The site or file could not be read (exit code 2): says nothing about the ledger itself."""


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def fetch_json(source: str, timeout: float = TIMEOUT):
    """JSON from an http(s) address or a local file ("-" for standard input)."""
    import urllib.error
    import urllib.request

    try:
        if _is_url(source):
            request = urllib.request.Request(source, headers={
                "Accept": "application/json", "User-Agent": "fund-verify-log/1"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read(MAX_RESPONSE + 1)
        elif source == "-":
            raw = sys.stdin.buffer.read(MAX_RESPONSE + 1)
        else:
            with open(source, "rb") as handle:
                raw = handle.read(MAX_RESPONSE + 1)
    except urllib.error.HTTPError as error:
        detail = error.read(2000).decode("utf-8", "replace")
        raise FetchError(f"{source}: HTTP {error.code} {detail}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise FetchError(f"无法读取 (cannot read) {source}: {error}") from error
    if len(raw) > MAX_RESPONSE:
        raise FetchError(f"{source}: 回应过大 (response too large)")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FetchError(f"{source} 不是 JSON (is not JSON): {error}") from error


def _public_key(text: str) -> bytes:
    try:
        key = _b64decode(text.strip())
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise FetchError("--key 应为 base64 编码的 32 字节 Ed25519 公钥 (--key must be a base64 32-byte key)")
    return key


def _say(ok: bool, text: str):
    print(("✓ " if ok else "✗ ") + text)


def _report(problems: list[str], success: str) -> int:
    for problem in problems:
        _say(False, problem)
    if not problems:
        _say(True, success)
        return 0
    return 1


def _head_summary(head: dict) -> str:
    return f"规模 (size) {head.get('size')}，根哈希 (root) {head.get('root_hash')}，签署于 {head.get('timestamp')}"


def _evidence(pairs) -> None:
    for a, b in pairs:
        print("  证据：两个都由基金签署的树头 (evidence: two heads, both signed by the fund):")
        print("  " + json.dumps(a, ensure_ascii=False, sort_keys=True))
        print("  " + json.dumps(b, ensure_ascii=False, sort_keys=True))


def command_head(args) -> int:
    head = fetch_json(args.source, args.timeout)
    return _report(head_problems(head, _public_key(args.key)), f"签名树头有效 (signed head checks): {_head_summary(head)}")


def _asked(source: str, *names: str) -> list:
    """The integers a proof address asked for (…?entry=12&size=40), which the answer must be about."""
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(source).query) if _is_url(source) else {}
    values = []
    for name in names:
        given = query.get(name, [""])[-1]
        values.append(int(given) if given.isascii() and given.isdigit() else None)
    return values


def command_inclusion(args) -> int:
    body = fetch_json(args.source, args.timeout)
    entry, size = _asked(args.source, "entry", "size")
    problems = inclusion_problems(body, _public_key(args.key), entry=entry, size=size)
    if problems:
        return _report(problems, "")
    leaf = body["leaf"]
    return _report([], f"记录 {leaf['entry_id']} 在签名树头中 (entry is in the signed log): {_head_summary(body['head'])}")


def command_consistency(args) -> int:
    body = fetch_json(args.source, args.timeout)
    first, second = _asked(args.source, "first", "second")
    problems = consistency_problems(body, _public_key(args.key), first=first, second=second)
    if problems:
        return _report(problems, "")
    return _report([], f"规模 {body['second_head']['size']} 的日志是规模 {body['first_head']['size']} 的延续"
                       " (the later log extends the earlier one)")


def command_ledger(args) -> int:
    key = _public_key(args.key)
    document = fetch_json(args.ledger, args.timeout)
    head = fetch_json(args.head, args.timeout)
    problems, notes = ledger_problems(document, head, key)
    for note in notes:
        print("· " + note)
    return _report(problems, f"账本下载与签名树头一致 (the download matches the signed head): {_head_summary(head)}")


def _site_base(url: str) -> str:
    base = url.rstrip("/")
    for suffix in ("/fund/log", "/fund"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base


def _sample_entries(size: int, count: int) -> list[int]:
    import random

    if size == 0:
        return []
    chosen = {1, size}
    others = range(2, size)
    extra = max(0, min(count - len(chosen), len(others)))
    chosen.update(random.SystemRandom().sample(others, extra))
    return sorted(chosen)


def _load_state(path: str):
    import os

    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
        return state["head"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise FetchError(f"状态文件无法读取 (cannot read state file) {path}: {error}") from error


def _save_state(path: str, head: dict, public_key: bytes):
    import os
    import time

    state = {"public_key": base64.b64encode(public_key).decode("ascii"), "head": head,
             "checked_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(state, handle, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(temporary, path)


def check_site(base_url: str, public_key: bytes, *, state_path: str | None = None, sample: int = 8,
               timeout: float = TIMEOUT) -> int:
    """Everything a citizen or witness checks against a live site; prints what it found, returns the exit code."""
    from urllib.parse import urlencode

    base = _site_base(base_url)

    def get(path, **query):
        return fetch_json(f"{base}/fund/log/{path}" + (f"?{urlencode(query)}" if query else ""), timeout)

    problems: list[str] = []
    served = get("key")
    try:
        served_key = _b64decode(served["public_key"])
    except (KeyError, TypeError, ValueError, AttributeError):
        served_key = b""
    if served_key != public_key:
        _say(False, "网站公布的公钥与 --key 不同：不继续核验 (the site's key differs from --key; refusing)")
        return 1
    _say(True, f"网站公钥与 --key 一致 (site key matches), key_id {key_id(public_key)}")
    latest = get("head")
    head_issues = head_problems(latest, public_key)
    if head_issues or latest.get("origin") != served.get("origin"):
        return _report(head_issues or ["树头的日志名称与公钥页不同 (head names another log)"], "")
    size = latest["size"]
    _say(True, f"最新签名树头有效 (latest signed head checks): {_head_summary(latest)}")
    heads = [latest]
    for entry in _sample_entries(size, sample):
        body = get("proof/inclusion", entry=entry, size=size)
        found = inclusion_problems(body, public_key, entry=entry, size=size)
        problems += [f"记录 {entry}: {p}" for p in found]
        if not found:
            heads.append(body["head"])
            _say(True, f"记录 {entry} 的包含证明有效 (inclusion proof for entry {entry} checks)")
    earlier = _load_state(state_path)
    if earlier is not None:
        earlier_issues = head_problems(earlier, public_key)
        if earlier_issues:
            problems += [f"状态文件中的树头 (head in state file): {p}" for p in earlier_issues]
        elif earlier["size"] > size:
            problems.append(f"日志缩小了：之前见过规模 {earlier['size']}，现在只有 {size} (the log shrank)")
            _evidence([(earlier, latest)])
        else:
            heads.append(earlier)
            if earlier["size"] < size:
                body = get("proof/consistency", first=earlier["size"], second=size)
                found = consistency_problems(body, public_key, first=earlier["size"], second=size)
                if not found:
                    heads += [body["first_head"], body["second_head"]]
                    # The proof must join the head remembered to the head seen now, not merely the
                    # two heads the answer itself carries.
                    if not verify_consistency(earlier["size"], size, _proof_hashes(body["proof"]),
                                              bytes.fromhex(earlier["root_hash"]), bytes.fromhex(latest["root_hash"])):
                        found.append(f"一致性证明不成立：现在的日志不是上次所见规模 {earlier['size']} 的延续"
                                     " (the log now does not extend the head seen before)")
                problems += found
                if found:
                    _evidence([(earlier, latest)])
                else:
                    _say(True, f"日志是上次所见规模 {earlier['size']} 的延续 (consistent with the head seen before)")
    pairs = split_views(heads, public_key)
    if pairs:
        problems.append("分叉视图：同一规模有两个都经签名的不同根哈希 (split view: two signed roots for one size)")
        _evidence(pairs)
    if problems:
        return _report(problems, "")
    if state_path:
        _save_state(state_path, latest, public_key)
        print(f"· 已把规模 {size} 的树头存入 (saved the head to) {state_path}")
    return _report([], f"网站的日志核验通过 (the site's log checks) at size {size}")


def command_check_site(args) -> int:
    return check_site(args.base_url, _public_key(args.key), state_path=args.state, sample=args.sample,
                      timeout=args.timeout)


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="verify_log.py",
        description="核验基金资金账本的透明日志（签名树头、包含证明、一致性证明）。"
                    " Check the fund ledger's transparency log. 退出码 (exit code): 0 通过, 1 发现问题, 2 用法或网络错误。",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--timeout", type=float, default=TIMEOUT, help="每个请求的超时秒数 (seconds per request)")
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name, function, help_text, source_help):
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[common])
        sub.add_argument("source", help=source_help)
        sub.add_argument("--key", required=True, help="基金的 Ed25519 公钥，base64 (the fund's public key)")
        sub.set_defaults(run=function)
        return sub

    add("head", command_head, "核验签名树头 (check a signed head)", "树头 JSON 的文件或网址，如 …/fund/log/head")
    add("inclusion", command_inclusion, "核验包含证明 (check an inclusion proof)",
        "文件或网址，如 …/fund/log/proof/inclusion?entry=12")
    add("consistency", command_consistency, "核验一致性证明 (check a consistency proof)",
        "文件或网址，如 …/fund/log/proof/consistency?first=10")
    site = commands.add_parser("check-site", help="核验一个运行中的网站 (check a live site)", parents=[common],
                               description="取公钥、最新树头、抽样包含证明，并与上次所见树头做一致性核验。")
    site.add_argument("base_url", help="网站地址，如 https://example.org")
    site.add_argument("--key", required=True, help="基金的 Ed25519 公钥，base64")
    site.add_argument("--state", help="保存上次所见树头的文件 (file keeping the last head seen)")
    site.add_argument("--sample", type=int, default=8, help="抽查的记录数，总含首条和末条 (entries to sample)")
    site.set_defaults(run=command_check_site)
    ledger = commands.add_parser("ledger", help="用完整账本下载重算根哈希 (recompute the root from ledger.json)",
                                 parents=[common],
                                 description="由 /fund/ledger.json 的每条记录重算叶子和根哈希，与同规模的签名树头比对。")
    ledger.add_argument("ledger", help="ledger.json 的文件或网址")
    ledger.add_argument("--head", required=True, help="同规模签名树头的文件或网址，如 …/fund/log/heads/N")
    ledger.add_argument("--key", required=True, help="基金的 Ed25519 公钥，base64")
    ledger.set_defaults(run=command_ledger)
    args = parser.parse_args(argv)
    if getattr(args, "sample", 2) < 0 or args.timeout <= 0:
        parser.error("--sample 不能为负，--timeout 须为正 (--sample must be ≥ 0, --timeout > 0)")
    try:
        return args.run(args)
    except FetchError as error:
        print(f"错误 (error): {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
