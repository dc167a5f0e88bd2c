#!/usr/bin/env python3
"""Helpers of scripts/fetch-guest (Python 3 standard library only; no pip).

Subcommands (each prints one 'fetch-guest: error: ...' line and exits 1 on failure):
  mirror                          first Debian archive URI of this machine's apt sources
  release-entry RELEASE PATH      'sha256 size' of PATH in a (verified) Release file
  fetch URL DEST SHA256 SIZE WHAT download to DEST.tmp*, check size and SHA256, rename to DEST
  sha256-ok FILE SHA256           exit 0 when FILE exists and has that SHA256
  resolve PACKAGES.xz VARIANT     the .debs of a variant: 'role name version sha256 size filename'
  modules MODDIR ROOT KVER MOD... copy MOD... and their dependencies, decompressed, into ROOT
  cpio ROOT OUT                   pack ROOT as a gzip'd newc cpio with /dev/console and /dev/null
"""

import fnmatch
import glob
import gzip
import hashlib
import io
import lzma
import os
import re
import stat
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request

PROG = "fetch-guest"


class Fail(Exception):
    """An error reported as one line."""


def log(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- apt sources

def _one_line_sources(path):
    """(uri, suites, components) of the 'deb' lines of a one-line-format file."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            # Options: 'deb [arch=amd64 signed-by=...] uri suite comp...'
            line = re.sub(r"\[[^\]]*\]", " ", line)
            words = line.split()
            if len(words) < 3 or words[0] != "deb":
                continue
            out.append((words[1], [words[2]], words[3:]))
    return out


def _deb822_sources(path):
    """(uri, suites, components) of the enabled 'deb' stanzas of a deb822 .sources file."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for stanza in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in stanza.splitlines():
            if line.startswith("#"):
                continue
            if line[:1] in (" ", "\t") and key:
                fields[key] += " " + line.strip()
                continue
            m = re.match(r"([A-Za-z0-9-]+):\s*(.*)$", line)
            if m:
                key = m.group(1).lower()
                fields[key] = m.group(2).strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() in ("no", "false", "0"):
            continue
        for uri in fields.get("uris", "").split():
            out.append((uri, fields.get("suites", "").split(), fields.get("components", "").split()))
    return out


def _is_debian_archive(uri, suites):
    """A plain http(s)/ftp URI of the Debian archive itself (not security, not a third party)."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme not in ("http", "https", "ftp"):
        return False
    parts = [p for p in parsed.path.split("/") if p]
    if "debian" not in parts:
        return False
    return not any(s.endswith("-security") or "/" in s for s in suites)


def cmd_mirror(_args):
    override = os.environ.get("RVISOR_DEBIAN_MIRROR")
    if override:
        print(override.rstrip("/"))
        return
    files = []
    if os.path.isfile("/etc/apt/sources.list"):
        files.append("/etc/apt/sources.list")
    # apt reads sources.list.d in name order, .list and .sources alike.
    files += sorted(glob.glob("/etc/apt/sources.list.d/*.list") + glob.glob("/etc/apt/sources.list.d/*.sources"))
    for path in files:
        try:
            entries = _deb822_sources(path) if path.endswith(".sources") else _one_line_sources(path)
        except OSError:
            continue
        for uri, suites, _components in entries:
            if _is_debian_archive(uri, suites):
                print(uri.rstrip("/"))
                return
    raise Fail("no Debian archive URI found in /etc/apt/sources.list or /etc/apt/sources.list.d/"
               " (set RVISOR_DEBIAN_MIRROR to a Debian mirror URL)")


# ---------------------------------------------------------------- Release / download

def cmd_release_entry(args):
    release, wanted = args
    section = None
    codename = None
    with open(release, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.startswith(" "):
                section = line.split(":", 1)[0]
                if section == "Codename":
                    codename = line.split(":", 1)[1].strip()
                continue
            if section != "SHA256":
                continue
            words = line.split()
            if len(words) == 3 and words[2] == wanted:
                print(words[0], words[1], codename or "?")
                return
    raise Fail(f"index: {wanted} is not listed in the Release file")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cmd_sha256_ok(args):
    path, want = args
    try:
        ok = sha256_file(path) == want
    except OSError:
        ok = False
    sys.exit(0 if ok else 1)


def cmd_fetch(args):
    url, dest, want_sha, want_size, what = args
    want_size = int(want_size) if want_size not in ("", "-") else None
    tmp = f"{dest}.tmp{os.getpid()}"
    h = hashlib.sha256()
    got = 0
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "rvisor-fetch-guest"})
        with urllib.request.urlopen(req, timeout=60) as resp, open(tmp, "wb") as out:
            while True:
                block = resp.read(1 << 20)
                if not block:
                    break
                h.update(block)
                out.write(block)
                got += len(block)
        if want_size is not None and got != want_size:
            raise Fail(f"{what}: size mismatch: got {got} bytes, expected {want_size} ({url})")
        if want_sha not in ("", "-") and h.hexdigest() != want_sha:
            raise Fail(f"{what}: SHA256 mismatch: got {h.hexdigest()}, expected {want_sha} ({url})")
        os.replace(tmp, dest)
    except urllib.error.HTTPError as e:
        raise Fail(f"{what}: download failed: HTTP {e.code} {e.reason} ({url})") from None
    except urllib.error.URLError as e:
        raise Fail(f"{what}: download failed: {e.reason} ({url})") from None
    except (OSError, ValueError) as e:
        raise Fail(f"{what}: download failed: {e} ({url})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# ---------------------------------------------------------------- Packages index

class Index:
    """A Packages(.xz) index; stanzas are parsed only when asked for."""

    def __init__(self, path):
        opener = lzma.open if path.endswith(".xz") else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            text = f.read()
        self.raw = {}
        for stanza in text.split("\n\n"):
            stanza = stanza.strip("\n")
            if stanza.startswith("Package: "):
                name = stanza[9:stanza.find("\n")] if "\n" in stanza else stanza[9:]
                self.raw.setdefault(name.strip(), stanza)
        self.parsed = {}
        self.provides = None

    def __contains__(self, name):
        return name in self.raw

    def __getitem__(self, name):
        if name not in self.parsed:
            fields, key = {}, None
            for line in self.raw[name].split("\n"):
                if line[:1] in (" ", "\t"):
                    if key:
                        fields[key] += "\n" + line
                else:
                    key, _, value = line.partition(":")
                    fields[key] = value.strip()
            self.parsed[name] = fields
        return self.parsed[name]

    def providers(self, virtual):
        if self.provides is None:
            self.provides = {}
            for name, stanza in self.raw.items():
                m = re.search(r"^Provides:(.*)$", stanza, re.M)
                for prov in (m.group(1).split(",") if m else []):
                    prov = prov.strip().split(" ")[0]
                    if prov:
                        self.provides.setdefault(prov, []).append(name)
        return sorted(self.provides.get(virtual, []))


def _alternatives(depends):
    """[[name, ...], ...] of a Depends field (version constraints and arch qualifiers dropped)."""
    groups = []
    for group in depends.split(","):
        names = []
        for alt in group.split("|"):
            alt = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", alt).strip()
            alt = alt.split(":")[0]
            if alt:
                names.append(alt)
        if names:
            groups.append(names)
    return groups


def _pick(names, pkgs):
    for n in names:
        if n in pkgs:
            return n
    for n in names:
        if pkgs.providers(n):
            return pkgs.providers(n)[0]
    return None


# What each variant holds. The kernel comes from the linux-image-riscv64 metapackage, whose
# Depends name the real linux-image-<abi>-riscv64 package (its own Depends - kmod,
# initramfs-tools... - are for an installed system and are not followed). 'extra' packages come
# with their Depends and Pre-Depends, transitively.
VARIANTS = {
    "default": {"extra": []},
    # 7zip: 7z (+7z.so), 7za, 7zr; 7zip-standalone: 7zz (moved there in trixie's 25.01 update).
    "bench": {"extra": ["7zip", "7zip-standalone"]},
}


def cmd_resolve(args):
    index, variant = args
    if variant not in VARIANTS:
        raise Fail(f"unknown variant {variant}")
    try:
        pkgs = Index(index)
    except (OSError, lzma.LZMAError, EOFError) as e:
        raise Fail(f"index: cannot read {index}: {e}") from None
    chosen = []  # (role, name)

    def need(name, what):
        if name not in pkgs:
            raise Fail(f"{name}: not in the trixie riscv64 index ({what})")
        return pkgs[name]

    meta = need("linux-image-riscv64", "kernel metapackage")
    chosen.append(("kernel-meta", "linux-image-riscv64"))
    real = None
    for group in _alternatives(meta.get("Depends", "")):
        for n in group:
            if re.fullmatch(r"linux-image-.*-riscv64", n) and n in pkgs:
                real = n
                break
        if real:
            break
    if not real:
        raise Fail("linux-image-riscv64: its Depends name no linux-image-<ver>-riscv64 package")
    chosen.append(("kernel", real))
    need("busybox-static", "shell and tools")
    chosen.append(("busybox", "busybox-static"))

    seen = {n for _, n in chosen}
    todo = list(VARIANTS[variant]["extra"])
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        p = need(name, f"{variant} variant")
        seen.add(name)
        chosen.append(("extra", name))
        deps = p.get("Pre-Depends", "") + "," + p.get("Depends", "")
        for group in _alternatives(deps):
            pick = _pick(group, pkgs)
            if pick is None:
                raise Fail(f"{name}: dependency {' | '.join(group)} is not in the index")
            if pick not in seen:
                todo.append(pick)

    for role, name in chosen:
        p = pkgs[name]
        for field in ("Version", "SHA256", "Size", "Filename"):
            if not p.get(field):
                raise Fail(f"{name}: the index entry has no {field}")
        print(role, name, p["Version"], p["SHA256"], p["Size"], p["Filename"])


# ---------------------------------------------------------------- kernel modules

def modinfo(data):
    """Entries ('key=value') of the .modinfo section of an ELF64 little-endian module."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not an ELF64 little-endian file")
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = []
    for i in range(shnum):
        name, _typ, _flags, _addr, offset, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        sections.append((name, offset, size))
    strtab = sections[shstrndx][1]
    for name, offset, size in sections:
        end = data.index(b"\0", strtab + name)
        if data[strtab + name:end] == b".modinfo":
            return [e.decode("utf-8", "replace") for e in data[offset:offset + size].split(b"\0") if e]
    return []


def norm(name):
    return name.replace("-", "_")


def cmd_modules(args):
    moddir, root, kver, wanted = args[0], args[1], args[2], args[3:]
    files = {}  # normalized module name -> path relative to moddir
    for dirpath, _dirs, names in os.walk(os.path.join(moddir, "kernel")):
        for n in names:
            m = re.fullmatch(r"(.*)\.ko(\.xz|\.gz|\.zst)?", n)
            if m:
                files[norm(m.group(1))] = os.path.relpath(os.path.join(dirpath, n), moddir)
    if not files:
        raise Fail(f"kernel package: no modules under {moddir}/kernel")

    builtin, builtin_alias = set(), []
    try:
        with open(os.path.join(moddir, "modules.builtin"), encoding="utf-8") as f:
            for line in f:
                builtin.add(norm(os.path.basename(line.strip()).split(".ko")[0]))
        with open(os.path.join(moddir, "modules.builtin.modinfo"), "rb") as f:
            for e in f.read().split(b"\0"):
                k, _, v = e.decode("utf-8", "replace").partition("=")
                if k.endswith(".alias"):
                    builtin_alias.append(v)
    except OSError:
        pass

    cache = {}

    def load(name):
        if name not in cache:
            path = os.path.join(moddir, files[name])
            with open(path, "rb") as f:
                raw = f.read()
            if path.endswith(".xz"):
                raw = lzma.decompress(raw)
            elif path.endswith(".gz"):
                raw = gzip.decompress(raw)
            elif path.endswith(".zst"):
                raise Fail(f"kernel package: {files[name]}: zstd modules are not supported")
            info = modinfo(raw)
            cache[name] = (raw, info)
        return cache[name]

    aliases = None

    def by_alias(alias):
        """Module name for a softdep name or alias; None when built in or unknown."""
        nonlocal aliases
        if norm(alias) in files:
            return norm(alias)
        if norm(alias) in builtin or any(fnmatch.fnmatchcase(alias, a) for a in builtin_alias):
            return None
        if aliases is None:
            # Softdeps name crypto algorithms ("crypto-crc32c"): look in likely folders first.
            aliases = {}
            for name, rel in files.items():
                if rel.startswith(("kernel/crypto/", "kernel/lib/", "kernel/arch/")):
                    for e in load(name)[1]:
                        if e.startswith("alias="):
                            aliases.setdefault(e[6:], name)
        for pattern, name in aliases.items():
            if fnmatch.fnmatchcase(alias, pattern):
                return name
        return None

    order, state = [], {}

    def visit(name, chain):
        if state.get(name) == "done":
            return
        if state.get(name) == "busy":
            raise Fail(f"kernel modules: dependency loop {' -> '.join(chain + [name])}")
        state[name] = "busy"
        _raw, info = load(name)
        deps, post = [], []
        for e in info:
            k, _, v = e.partition("=")
            if k == "depends":
                deps += [norm(d) for d in v.split(",") if d]
            elif k == "softdep":
                part = None
                for w in v.split():
                    if w in ("pre:", "post:"):
                        part = w
                    elif part:
                        m = by_alias(w)
                        if m:
                            (deps if part == "pre:" else post).append(m)
        for d in deps:
            if d in files:
                visit(d, chain + [name])
            elif d not in builtin:
                raise Fail(f"kernel modules: {name} depends on {d}, which the package does not have")
        state[name] = "done"
        order.append(name)
        for d in post:
            visit(d, chain + [name])

    for w in wanted:
        w = norm(w)
        if w in files:
            visit(w, [])
        elif w in builtin:
            log(f"module {w} is built into the kernel")
        else:
            raise Fail(f"kernel package: module {w} not found")

    dest_dir = os.path.join(root, "usr/lib/modules", kver)
    deps_lines, load_lines = [], []
    for name in order:
        raw, info = load(name)
        rel = re.sub(r"\.(xz|gz|zst)$", "", files[name])
        dest = os.path.join(dest_dir, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(raw)
        direct = []
        for e in info:
            if e.startswith("depends="):
                direct += [norm(d) for d in e[8:].split(",") if d and norm(d) in files]
        # busybox modprobe format: 'path: dependency paths', all relative to the module dir.
        # It lists every dependency, not only the direct ones.
        closure, stack = [], list(direct)
        while stack:
            d = stack.pop()
            if d not in closure:
                closure.append(d)
                for e in load(d)[1]:
                    if e.startswith("depends="):
                        stack += [norm(x) for x in e[8:].split(",") if x and norm(x) in files]
        deps_lines.append(rel + ":" + "".join(" " + re.sub(r"\.(xz|gz|zst)$", "", files[d]) for d in closure))
        load_lines.append(f"/usr/lib/modules/{kver}/{rel}")
        print(name)
    with open(os.path.join(dest_dir, "modules.dep"), "w", encoding="utf-8") as f:
        f.write("\n".join(deps_lines) + "\n")
    for extra in ("modules.builtin", "modules.order"):
        src = os.path.join(moddir, extra)
        if os.path.exists(src):
            with open(src, "rb") as i, open(os.path.join(dest_dir, extra), "wb") as o:
                o.write(i.read())
    os.makedirs(os.path.join(root, "etc/rvisor"), exist_ok=True)
    with open(os.path.join(root, "etc/rvisor/modules"), "w", encoding="utf-8") as f:
        f.write("\n".join(load_lines) + "\n")


# ---------------------------------------------------------------- newc cpio

def cmd_cpio(args):
    root, out = args
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    buf = io.BytesIO()
    ino = [1]

    def entry(name, mode, data=b"", rdev=(0, 0)):
        nameb = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08X}" for v in (
            ino[0], mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, mtime, len(data),
            0, 0, rdev[0], rdev[1], len(nameb), 0))
        ino[0] += 1
        buf.write(hdr.encode() + nameb)
        buf.write(b"\0" * (-(110 + len(nameb)) % 4))
        buf.write(data)
        buf.write(b"\0" * (-len(data) % 4))

    names = []
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(dirpath, root)
        for n in sorted(dirs + files):
            names.append(n if rel == "." else f"{rel}/{n}")
    names.sort()  # a parent ('a') sorts before its children ('a/...')
    have = set(names)
    for name in names:
        path = os.path.join(root, name)
        st = os.lstat(path)
        perm = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            entry(name, stat.S_IFLNK | 0o777, os.readlink(path).encode())
        elif stat.S_ISDIR(st.st_mode):
            entry(name, stat.S_IFDIR | perm)
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as f:
                entry(name, stat.S_IFREG | perm, f.read())
        else:
            raise Fail(f"initramfs: {name}: unsupported file type")
        if name == "dev":
            # The kernel opens /dev/console for init's stdio before /init mounts devtmpfs.
            for node, perm, rdev in (("dev/console", 0o600, (5, 1)), ("dev/null", 0o666, (1, 3))):
                if node not in have:
                    entry(node, stat.S_IFCHR | perm, rdev=rdev)
    if "dev" not in have:
        raise Fail("initramfs: the root has no dev directory")
    entry("TRAILER!!!", 0)
    tmp = f"{out}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0,
                                                   filename="") as gz:
            gz.write(buf.getvalue())
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


COMMANDS = {
    "mirror": cmd_mirror,
    "release-entry": cmd_release_entry,
    "sha256-ok": cmd_sha256_ok,
    "fetch": cmd_fetch,
    "resolve": cmd_resolve,
    "modules": cmd_modules,
    "cpio": cmd_cpio,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    except Fail as e:
        log(f"error: {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
