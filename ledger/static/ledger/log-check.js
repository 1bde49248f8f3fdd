/*
 * Checks a transparency-log proof block in the browser, with the Web Crypto API and nothing else.
 *
 * A block is <section class="log-proof" data-kind="inclusion|consistency" data-public-key="…">
 * holding <script type="application/json" class="log-proof-data"> (the JSON that
 * /fund/log/proof/inclusion or /fund/log/proof/consistency answers), a button .log-proof-check
 * and a <p class="log-proof-result">. The algorithms are those of ledger/verify_log.py:
 * RFC 9162 leaf and node hashes, §2.1.3.2 inclusion, §2.1.4.2 consistency, and an Ed25519
 * signature over the tree-head message. Numbers use arithmetic, not 32-bit bitwise operators,
 * so sizes up to 2^53 work. Kept to ES2017 for older in-app browsers (WeChat).
 */
(function () {
  "use strict";
  if (window.fundLogCheck) { return; } // the include may appear more than once on a page

  var HEAD_PREFIX = "fund-ledger-tree-head/v1";
  var KEY_PREFIX = "fund-ledger-key/v1\n";
  var HEX64 = /^[0-9a-f]{64}$/;
  // TextEncoder is in every current browser; the fallback keeps an old in-app browser from failing silently.
  var encoder = typeof TextEncoder === "function" ? new TextEncoder() : {
    encode: function (text) {
      var raw = unescape(encodeURIComponent(text)), out = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
      return out;
    },
  };

  function Failure(message) { this.message = message; }
  function Unsupported(message) { this.message = message; }

  function hexToBytes(hex) {
    if (typeof hex !== "string" || !HEX64.test(hex)) { throw new Failure("证明中有一个哈希不是 64 位十六进制数。"); }
    var out = new Uint8Array(32);
    for (var i = 0; i < 32; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }

  function bytesToHex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }

  function base64ToBytes(text) {
    var raw;
    try { raw = atob(text); } catch (e) { throw new Failure("公钥或签名不是有效的 base64。"); }
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function concat(parts) {
    var length = 0, i;
    for (i = 0; i < parts.length; i++) { length += parts[i].length; }
    var out = new Uint8Array(length), offset = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], offset); offset += parts[i].length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  function subtle() {
    if (!window.crypto || !window.crypto.subtle) {
      throw new Failure("此浏览器无法在本页计算哈希（须通过 https 打开本页）。请换用其他浏览器，或下载核验程序离线核验。");
    }
    return window.crypto.subtle;
  }

  async function sha256(bytes) { return new Uint8Array(await subtle().digest("SHA-256", bytes)); }
  function leafHash(data) { return sha256(concat([new Uint8Array([0]), data])); }
  function nodeHash(left, right) { return sha256(concat([new Uint8Array([1]), left, right])); }

  function isSize(n) { return typeof n === "number" && Number.isSafeInteger(n) && n >= 0; }
  function odd(n) { return n % 2 === 1; }
  function half(n) { return Math.floor(n / 2); }
  function powerOfTwo(n) { while (n > 1 && !odd(n)) { n = half(n); } return n === 1; }

  // RFC 9162 §2.1.3.2, as verify_log.verify_inclusion.
  async function rootFromInclusion(leaf, index, size, proof) {
    if (!(isSize(index) && isSize(size) && index < size)) { return null; }
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0) { return null; }
      if (odd(fn) || fn === sn) {
        r = await nodeHash(p, r);
        if (!odd(fn)) {
          while (fn !== 0 && !odd(fn)) { fn = half(fn); sn = half(sn); }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 ? r : null;
  }

  // RFC 9162 §2.1.4.2, as verify_log.verify_consistency.
  async function verifyConsistency(first, second, proof, firstRoot, secondRoot, emptyRoot) {
    if (!(isSize(first) && isSize(second) && first <= second)) { return false; }
    if (first === second) { return proof.length === 0 && equal(firstRoot, secondRoot); }
    if (first === 0) { return proof.length === 0 && equal(firstRoot, emptyRoot); }
    if (proof.length === 0) { return false; }
    var path = proof.slice();
    if (powerOfTwo(first)) { path.unshift(firstRoot); }
    var fn = first - 1, sn = second - 1;
    while (odd(fn)) { fn = half(fn); sn = half(sn); }
    var fr = path[0], sr = path[0];
    for (var i = 1; i < path.length; i++) {
      var c = path[i];
      if (sn === 0) { return false; }
      if (odd(fn) || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        if (!odd(fn)) {
          while (fn !== 0 && !odd(fn)) { fn = half(fn); sn = half(sn); }
        }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
  }

  function headMessage(head) {
    var fields = [head.origin, head.root_hash, head.timestamp];
    for (var i = 0; i < fields.length; i++) {
      if (typeof fields[i] !== "string" || fields[i].indexOf("\n") !== -1) { throw new Failure("树头的字段格式不对。"); }
    }
    if (!isSize(head.size)) { throw new Failure("树头的规模不是非负整数。"); }
    return encoder.encode(HEAD_PREFIX + "\n" + head.origin + "\n" + head.size + "\n" + head.root_hash + "\n" +
      head.timestamp + "\n");
  }

  async function importKey(keyBytes) {
    if (keyBytes.length !== 32) { throw new Failure("本页的公钥不是 32 字节的 Ed25519 公钥。"); }
    try {
      return await subtle().importKey("raw", keyBytes, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      if (e && e.name === "DataError") { throw new Failure("本页的公钥无法读取。"); }
      throw new Unsupported("unsupported");
    }
  }

  // The head's key id names the key that signed it; then the signature itself.
  async function verifyHead(head, keyBytes, label) {
    var expectedId = bytesToHex(await sha256(concat([encoder.encode(KEY_PREFIX), keyBytes]))).substr(0, 16);
    if (head.key_id !== expectedId) { throw new Failure(label + "注明的公钥编号与本页公布的公钥不符。"); }
    var message = headMessage(head);
    var signature = base64ToBytes(head.signature);
    if (signature.length !== 64) { throw new Failure(label + "的签名长度不对。"); }
    var key = await importKey(keyBytes);
    var ok;
    try {
      ok = await subtle().verify({ name: "Ed25519" }, key, signature, message);
    } catch (e) {
      throw new Unsupported("unsupported");
    }
    if (!ok) { throw new Failure(label + "的签名无效：它不是用基金公布的公钥签署的，或签名后被改动过。"); }
  }

  // Hash steps first, signatures last: a browser without Ed25519 still checks the hashes.
  async function checkInclusion(data, keyBytes) {
    var leaf = data.leaf, head = data.head;
    if (!leaf || !head || !Array.isArray(data.proof) || typeof leaf.data !== "string") {
      throw new Failure("证明数据不完整。");
    }
    if (leaf.index !== leaf.entry_id - 1 || !isSize(leaf.index)) { throw new Failure("叶子序号与记录序号不符（应为序号减一）。"); }
    var computedLeaf = await leafHash(encoder.encode(leaf.data));
    if (!equal(computedLeaf, hexToBytes(leaf.leaf_hash))) {
      throw new Failure("第 1 步未通过：记录原文的哈希与叶子哈希不符，记录被改动过。");
    }
    var path = data.proof.map(hexToBytes);
    var root = await rootFromInclusion(computedLeaf, leaf.index, head.size, path);
    if (root === null || !equal(root, hexToBytes(head.root_hash))) {
      throw new Failure("第 2 步未通过：由审计路径算出的根哈希与签名树头的根哈希不符，这条记录不在该树头所代表的账本中。");
    }
    return function () { return verifyHead(head, keyBytes, "第 3 步未通过：树头"); };
  }

  async function checkConsistency(data, keyBytes) {
    var a = data.first_head, b = data.second_head;
    if (!a || !b || !Array.isArray(data.proof)) { throw new Failure("证明数据不完整。"); }
    if (a.size !== data.first || b.size !== data.second) { throw new Failure("树头的规模与证明所称的规模不符。"); }
    var emptyRoot = await sha256(new Uint8Array(0));
    var ok = await verifyConsistency(data.first, data.second, data.proof.map(hexToBytes), hexToBytes(a.root_hash),
      hexToBytes(b.root_hash), emptyRoot);
    if (!ok) {
      throw new Failure("第 1 步未通过：一致性证明不成立，较新的账本不是较早账本的延续（旧记录被改动、删除或插入）。");
    }
    return async function () {
      await verifyHead(a, keyBytes, "第 2 步未通过：较早的树头");
      await verifyHead(b, keyBytes, "第 3 步未通过：较新的树头");
    };
  }

  var SUCCESS = {
    inclusion: "核验通过：记录原文的哈希、审计路径算出的根哈希都与树头一致，树头签名也由基金公布的公钥验证通过。这条记录确实在已发布的账本中。",
    consistency: "核验通过：两个树头的签名都由基金公布的公钥验证通过，一致性证明成立：较新的账本完整保留了较早账本的每一条记录。",
  };
  var HASHES_ONLY = {
    inclusion: "哈希证明已核验通过：记录原文的哈希和审计路径算出的根哈希与树头一致。",
    consistency: "哈希证明已核验通过：一致性证明成立。",
  };
  var NO_ED25519 = "但此浏览器（例如较旧的微信内置浏览器）不支持 Ed25519 签名核验，树头签名未能核验。" +
    "请用较新的浏览器打开本页再试，或在电脑上下载核验程序 verify_log.py（只需 Python 3）并运行：";

  // The command that checks the same proof offline, signature included.
  function verifierCommand(section, kind, key) {
    var link = section.getAttribute("data-proof-url");
    var url = link ? new URL(link, window.location.href).href : "<证明原文（JSON）的地址>";
    return "python3 verify_log.py " + kind + " \"" + url + "\" --key " + key;
  }

  function show(section, state, message) {
    var result = section.querySelector(".log-proof-result");
    section.setAttribute("data-state", state);
    if (!result) { return; }
    result.className = "log-proof-result log-proof-result--" + state;
    result.textContent = message;
  }

  async function check(section) {
    var kind = section.getAttribute("data-kind");
    var holder = section.querySelector(".log-proof-data");
    var data, keyBytes;
    try {
      data = JSON.parse(holder ? holder.textContent : "");
    } catch (e) {
      throw new Failure("证明数据无法读取。");
    }
    keyBytes = base64ToBytes(section.getAttribute("data-public-key") || "");
    var signatures;
    if (kind === "inclusion") { signatures = await checkInclusion(data, keyBytes); }
    else if (kind === "consistency") { signatures = await checkConsistency(data, keyBytes); }
    else { throw new Failure("不认识的证明类型。"); }
    try {
      await signatures();
    } catch (e) {
      if (e instanceof Unsupported) {
        var command = verifierCommand(section, kind, section.getAttribute("data-public-key"));
        return { state: "partial", message: HASHES_ONLY[kind] + NO_ED25519 + command };
      }
      throw e;
    }
    return { state: "ok", message: SUCCESS[kind] };
  }

  async function run(section, button) {
    if (button) { button.disabled = true; }
    show(section, "checking", "正在核验……");
    try {
      var outcome = await check(section);
      show(section, outcome.state, outcome.message);
    } catch (e) {
      var message = e instanceof Failure ? e.message : "核验时出错：" + (e && e.message ? e.message : e);
      show(section, "fail", "核验未通过。" + message);
    } finally {
      if (button) { button.disabled = false; }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest(".log-proof-check") : null;
    var section = button ? button.closest(".log-proof") : null;
    if (section) { run(section, button); }
  });

  window.fundLogCheck = { check: check, run: run };
}());
