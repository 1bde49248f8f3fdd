"""Witness the fund ledger's transparency log: check each new signed head against the last one, then co-sign it.

A witness (an auditor, the 文明办, a newspaper) runs this now and then, for example from cron. Each run
fetches the latest signed tree head from the site, checks the fund's signature with the public key the
witness pinned, and proves with a consistency proof that the new log extends the last head it
co-signed. Only then does it sign the head with its own Ed25519 key and, with --post, hand the
cosignature to the site, which shows it at /fund/log/. It refuses (exit status 1) when the log shrank,
when the proof fails, or when the fund has ever shown it two different roots for one size (a split
view), and writes the evidence, signed by the fund's own key, to its state directory.

    python3 witness.py keygen --out witness.key
    python3 witness.py cosign https://fund.example --site-key <fund key, base64> --name 太原日报 \\
        --key witness.key --state ~/.fund-witness --post
    python3 witness.py compare ~/.fund-witness other-witness/heads.json

Standard library only, plus verify_log.py beside this file (download both from /fund/log/).
The state directory holds heads.json: every head this witness has seen, by size, and what it co-signed.
"""

import os
import sys

# Run as `python ledger/<this file>` inside the project, Python puts ledger/ first on sys.path,
# where the project's `selectors` package would hide the standard library's module of that name.
HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == HERE and os.path.isdir(os.path.join(HERE, "selectors")):
    del sys.path[0]

import argparse
import base64
import binascii
import datetime
import json
import urllib.error
import urllib.request

if __package__:
    from . import verify_log
else:  # run as a script: load verify_log.py from beside this file
    import importlib.util

    _spec = importlib.util.spec_from_file_location("verify_log", os.path.join(HERE, "verify_log.py"))
    verify_log = importlib.util.module_from_spec(_spec)
    sys.modules["verify_log"] = verify_log
    _spec.loader.exec_module(verify_log)

STATE_FILE = "heads.json"
STATE_FORMAT = "fund-ledger-witness-state/v1"
MAX_RESPONSE = 4 << 20  # a head or proof is a few KB; anything far larger is not one
TIMEOUT = 30


class Refusal(Exception):
    """The site showed something a witness must not co-sign; the message is in Chinese and English."""

    def __init__(self, kind, zh, en, evidence=None):
        super().__init__(f"{zh}\n{en}")
        self.kind, self.zh, self.en, self.evidence = kind, zh, en, evidence or {}


class Trouble(Exception):
    """Not a refusal of the log, but the run could not complete (network, files, arguments)."""


# --- Ed25519 signing: verify_log.py's own RFC 8032 code, so a witness needs nothing installed -----------

ed25519_public_key = verify_log.ed25519_public_key
ed25519_sign = verify_log.ed25519_sign


# --- small helpers --------------------------------------------------------------------------------


def say(*parts, file=None) -> None:
    """A line for the person running the command (stdout, or stderr for refusals and trouble)."""
    (file or sys.stdout).write(" ".join(str(p) for p in parts) + "\n")


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, length: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise Trouble(f"{what} 不是有效的 base64 / {what} is not valid base64") from error
    if len(raw) != length:
        raise Trouble(f"{what} 应为 {length} 字节，实际 {len(raw)} 字节 / {what} must be {length} bytes, not {len(raw)}")
    return raw


def key_load(path: str) -> bytes:
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise Trouble(f"无法读取密钥文件 {path} / cannot read key file {path}: {error}") from error
    return unb64(text, 32, "密钥 / key")


def _fetch(url: str, data: bytes | None = None):
    """(status, parsed JSON or None, raw bytes) for a GET, or a JSON POST when data is given."""
    headers = {"Accept": "application/json", "User-Agent": "fund-ledger-witness/1"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if not url.startswith(("https://", "http://")):
        raise Trouble(f"网址须以 https:// 或 http:// 开头 / the URL must start with https:// or http://: {url}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - scheme checked above
            status, raw = response.status, response.read(MAX_RESPONSE + 1)
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read(MAX_RESPONSE + 1)
    except (urllib.error.URLError, OSError) as error:
        raise Trouble(f"无法连接 {url} / cannot reach {url}: {error}") from error
    if len(raw) > MAX_RESPONSE:
        raise Trouble(f"{url} 的回答过大 / answer from {url} is too large")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    return status, body, raw


def get_json(url: str) -> dict:
    status, body, _ = _fetch(url)
    if status != 200 or not isinstance(body, dict):
        raise Trouble(f"{url} 回答 {status}，不是预期的 JSON / {url} answered {status}, not the expected JSON")
    return body


def head_of(body: dict) -> dict:
    """Only the fields a signed head consists of (what is stored and compared)."""
    return {key: body.get(key) for key in ("origin", "size", "root_hash", "timestamp", "key_id", "signature")}


def head_valid(head, site_key: bytes) -> bool:
    return isinstance(head, dict) and not verify_log.head_problems(head, site_key)


# --- state ----------------------------------------------------------------------------------------


def state_load(directory: str) -> dict:
    path = os.path.join(directory, STATE_FILE)
    if not os.path.exists(path):
        return {"format": STATE_FORMAT, "heads": {}, "cosigned": None}
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError) as error:
        raise Trouble(f"无法读取状态文件 {path} / cannot read state file {path}: {error}") from error
    if not isinstance(state, dict) or not isinstance(state.get("heads"), dict):
        raise Trouble(f"{path} 不是见证状态文件 / {path} is not a witness state file")
    return state


def _write_json(path: str, data) -> None:
    # Written whole then renamed, so a run killed midway leaves the previous state intact.
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, path)


def state_save(directory: str, state: dict) -> None:
    os.makedirs(directory, exist_ok=True)
    _write_json(os.path.join(directory, STATE_FILE), state)


def evidence_save(directory: str, refusal: Refusal, base_url: str) -> str:
    os.makedirs(directory, exist_ok=True)
    stamp = utc_now().replace(":", "")
    path = os.path.join(directory, f"evidence-{stamp}-{refusal.kind}.json")
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(directory, f"evidence-{stamp}-{refusal.kind}-{n}.json")
    _write_json(path, {"kind": refusal.kind, "site": base_url, "observed_at": utc_now(),
                       "reason_zh": refusal.zh, "reason_en": refusal.en, **refusal.evidence})
    return path


def split_views(heads, site_key: bytes | None = None) -> list[dict]:
    """Sizes for which the given heads show more than one root (checked against site_key when given)."""
    roots: dict[tuple, dict[str, dict]] = {}
    for head in heads:
        if not isinstance(head, dict) or not isinstance(head.get("size"), int):
            continue
        if site_key is not None and not head_valid(head, site_key):
            continue
        roots.setdefault((head.get("origin"), head["size"]), {}).setdefault(head.get("root_hash"), head)
    return [{"origin": origin, "size": size, "heads": list(by_root.values())}
            for (origin, size), by_root in sorted(roots.items(), key=lambda item: (str(item[0][0]), item[0][1]))
            if len(by_root) > 1]


# --- cosign ---------------------------------------------------------------------------------------


def check(base_url: str, site_key: bytes, state: dict) -> tuple[dict, list[dict]]:
    """The latest head, checked against everything this witness saw before; raises Refusal. Returns (head, seen)."""
    head = head_of(get_json(f"{base_url}/fund/log/head"))
    problems = verify_log.head_problems(head, site_key)
    if problems:
        raise Refusal("bad-signature", "拒绝：最新树头的签名不能用基金公钥核验。",
                      f"refused: the latest head does not verify with the fund's key: {'; '.join(problems)}",
                      {"head": head})
    seen, proof_body = [head], None
    last = state.get("cosigned")
    old = state["heads"].get(str(last)) if last is not None else None
    if old is not None:
        size, old_size = head["size"], old["size"]
        if size < old_size:
            raise Refusal("shrank", f"拒绝：日志缩小了（上次联署 {old_size} 条，现在 {size} 条）。",
                          f"refused: the log shrank from {old_size} to {size} entries", {"head": head, "last": old})
        if size > old_size:
            proof_body = get_json(f"{base_url}/fund/log/proof/consistency?first={old_size}&second={size}")
            # Heads served with the proof are signed statements too: a different root for a size seen before
            # is a split view even when the proof itself is fine.
            for key in ("first_head", "second_head"):
                served = proof_body.get(key)
                if head_valid(served, site_key):
                    seen.append(head_of(served))
    conflicts = split_views([*state["heads"].values(), *seen])
    if conflicts:
        sizes = "、".join(str(c["size"]) for c in conflicts)
        raise Refusal("split-view", f"拒绝：分叉视图——基金对同一规模（{sizes} 条）签署过两个不同的根哈希。",
                      f"refused: split view, the fund signed two different roots for size {sizes}",
                      {"head": head, "conflicts": conflicts})
    if proof_body is not None:
        try:
            proof = [bytes.fromhex(p) for p in proof_body.get("proof", [])]
            ok = verify_log.verify_consistency(old["size"], head["size"], proof, bytes.fromhex(old["root_hash"]),
                                               bytes.fromhex(head["root_hash"]))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            size, old_size = head["size"], old["size"]
            raise Refusal(
                "inconsistent",
                f"拒绝：一致性证明不成立，{size} 条的日志不是上次联署的 {old_size} 条日志的延续（历史被改写）。",
                f"refused: the consistency proof fails; the log of {size} entries does not extend "
                f"the {old_size} entries co-signed last time (history rewritten)",
                {"head": head, "last": old, "consistency": proof_body})
    return head, seen


def cosign(args) -> int:
    base_url = args.base_url.rstrip("/")
    site_key = unb64(args.site_key, 32, "--site-key")
    seed = key_load(args.key)
    if not args.name or any(c in args.name for c in "\r\n") or args.name != args.name.strip():
        raise Trouble("--name 不能为空、不能含换行或首尾空白 / --name must be non-empty, one line, no outer spaces")
    state = state_load(args.state)
    pinned = state.get("site_key")
    if pinned and pinned != b64(site_key):
        raise Trouble("此状态目录属于另一把基金公钥，请换一个 --state 目录 / this state directory was kept for "
                      "another fund key; use another --state directory")
    try:
        head, seen = check(base_url, site_key, state)
    except Refusal as refusal:
        path = evidence_save(args.state, refusal, base_url)
        say(refusal, file=sys.stderr)
        say(f"证据已保存 / evidence saved: {path}", file=sys.stderr)
        return 1
    for observed in seen:
        state["heads"].setdefault(str(observed["size"]), observed)
    previous = state.get("cosignature")
    if previous and previous.get("size") == head["size"]:
        cosignature = previous  # nothing new: the same head, already co-signed (re-posted below if asked)
    else:
        cosigned_at = utc_now()
        message = verify_log.cosignature_message(args.name, cosigned_at, head)
        cosignature = {
            "witness_key_id": verify_log.key_id(ed25519_public_key(seed)), "size": head["size"],
            "root_hash": head["root_hash"], "timestamp": head["timestamp"], "cosigned_at": cosigned_at,
            "signature": b64(ed25519_sign(seed, message)),
        }
    state.update({"format": STATE_FORMAT, "site": base_url, "site_key": b64(site_key), "cosigned": head["size"],
                  "cosignature": cosignature, "name": args.name})
    state_save(args.state, state)
    say(f"已核验并联署 / checked and co-signed: size {head['size']} root {head['root_hash']}")
    if not args.post:
        return 0
    body = json.dumps(cosignature, ensure_ascii=False).encode("utf-8")
    status, answer, _ = _fetch(f"{base_url}/fund/log/cosignatures", data=body)
    detail = answer.get("detail") if isinstance(answer, dict) else None
    if status in (200, 201):
        say(f"网站已收下联署 / the site stored the cosignature ({status})")
        return 0
    say(f"网站拒收联署 / the site refused the cosignature ({status}): {detail}", file=sys.stderr)
    return 2


# --- keygen and compare ----------------------------------------------------------------------------


def keygen(args) -> int:
    seed = os.urandom(32)
    try:
        # O_EXCL: never overwrite a key a witness may already have published.
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise Trouble(f"{args.out} 已存在，不覆盖 / {args.out} exists; not overwritten") from error
    except OSError as error:
        raise Trouble(f"无法创建 {args.out} / cannot create {args.out}: {error}") from error
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(b64(seed) + "\n")
    public = ed25519_public_key(seed)
    say(b64(public))
    say(f"公钥编号 / key id: {verify_log.key_id(public)}", file=sys.stderr)
    return 0


def _heads_in(path: str) -> list[dict]:
    """Heads a witness saw: a state directory (heads.json and evidence files), a state file, or a heads list."""
    files = [path]
    if os.path.isdir(path):
        files = [os.path.join(path, name) for name in sorted(os.listdir(path))
                 if name == STATE_FILE or (name.startswith("evidence-") and name.endswith(".json"))]
    heads = []
    for name in files:
        try:
            with open(name, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            raise Trouble(f"无法读取 {name} / cannot read {name}: {error}") from error
        heads.extend(_collect_heads(data))
    return heads


def _collect_heads(data) -> list[dict]:
    if isinstance(data, list):
        return [h for item in data for h in _collect_heads(item)]
    if not isinstance(data, dict):
        return []
    if {"size", "root_hash", "signature"} <= data.keys():
        return [head_of(data)]
    found = []
    for key in ("heads", "head", "last", "conflicts", "first_head", "second_head", "consistency"):
        value = data.get(key)
        if isinstance(value, dict) and key == "heads" and not {"size", "root_hash"} <= value.keys():
            value = list(value.values())
        found.extend(_collect_heads(value))
    return found


def compare(args) -> int:
    site_key = unb64(args.site_key, 32, "--site-key") if args.site_key else None
    heads = [head for path in args.paths for head in _heads_in(path)]
    conflicts = split_views(heads, site_key)
    checked = "（已用基金公钥核验签名）/ signatures checked" if site_key else "（未核验签名：加 --site-key）/ signatures not checked"
    if not conflicts:
        sizes = len({h.get("size") for h in heads})
        say(f"未发现分叉视图：{len(heads)} 个树头，{sizes} 个规模 {checked}")
        say(f"no split view: {len(heads)} heads over {sizes} sizes")
        return 0
    for conflict in conflicts:
        roots = ", ".join(h["root_hash"] for h in conflict["heads"])
        say(f"分叉视图 / split view: size {conflict['size']} has {len(conflict['heads'])} roots: {roots} {checked}")
    if args.out:
        _write_json(args.out, {"kind": "split-view", "observed_at": utc_now(), "conflicts": conflicts})
        say(f"证据已保存 / evidence saved: {args.out}")
    return 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Witness the fund ledger's transparency log / 见证资金账本透明日志")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("keygen", help="create a witness key (seed file, mode 0600); prints the public key")
    p.add_argument("--out", required=True)
    p = commands.add_parser("cosign", help="check the latest head against the last one co-signed, then co-sign it")
    p.add_argument("base_url")
    p.add_argument("--site-key", required=True, help="the fund's log public key (base64), pinned")
    p.add_argument("--name", required=True, help="this witness's name, exactly as the fund registered it")
    p.add_argument("--key", required=True, help="the witness key file from keygen")
    p.add_argument("--state", required=True, help="directory keeping every head seen and the evidence")
    p.add_argument("--post", action="store_true", help="send the cosignature to the site")
    p = commands.add_parser("compare", help="flag split views across what several witnesses saw")
    p.add_argument("paths", nargs="+", help="state directories or heads JSON files")
    p.add_argument("--site-key", help="count only heads that verify with this fund key (base64)")
    p.add_argument("--out", help="write the evidence of any split view to this file")
    args = parser.parse_args(argv)
    try:
        return {"keygen": keygen, "cosign": cosign, "compare": compare}[args.command](args)
    except Trouble as trouble:
        say(trouble, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
