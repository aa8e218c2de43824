#!/usr/bin/env python3
"""Mark symbol-version requirements of an ELF64 file as weak (VER_FLG_WEAK).

    python3 benches/elf_weak_version.py FILE GLIBC_2.39 [VERSION ...]

Used by benches/run.sh for the Zola peer only: the npm build of Zola asks for
GLIBC_2.39 solely for weak symbols (pidfd_spawnp, pidfd_getpid) that Rust's std
checks for null before use. With the requirement weak, glibc's loader accepts
an older libc and leaves those symbols null. Refuses when a named version
binds a symbol that is not weak, since that symbol would then be missing.
"""
import struct
import sys

SHT_DYNSYM = 11
SHT_GNU_VERSYM = 0x6FFFFFFF
SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 2
STB_WEAK = 2


def main(path, wanted):
    b = bytearray(open(path, "rb").read())
    if b[:4] != b"\x7fELF" or b[4] != 2 or b[5] != 1:
        sys.exit(f"{path}: not a little-endian ELF64 file")
    shoff = struct.unpack_from("<Q", b, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", b, 0x3A)
    secs = [struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize) for i in range(shnum)]
    by_type = {s[1]: s for s in secs}

    def cstr(table_off, o):
        return b[table_off + o : b.index(b"\0", table_off + o)].decode()

    need = by_type.get(SHT_GNU_VERNEED)
    if need is None:
        sys.exit(f"{path}: no version requirements")
    _, _, _, _, off, _, link, count, _, _ = need
    strtab = secs[link][4]
    indexes = {}  # version index -> (offset of vna_flags, name)
    vn = off
    for _ in range(count):
        _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", b, vn)
        a = vn + aux
        for _ in range(cnt):
            _, _, other, name, anext = struct.unpack_from("<IHHII", b, a)
            if cstr(strtab, name) in wanted:
                indexes[other & 0x7FFF] = (a + 4, cstr(strtab, name))
            a += anext
        if nxt == 0:
            break
        vn += nxt
    if not indexes:
        sys.exit(f"{path}: none of {', '.join(wanted)} is required")

    # Every dynamic symbol bound to one of those versions must be weak.
    dynsym, versym = by_type[SHT_DYNSYM], by_type[SHT_GNU_VERSYM]
    dynstr = secs[dynsym[6]][4]
    for i in range(dynsym[5] // 24):
        name, info = struct.unpack_from("<IB", b, dynsym[4] + i * 24)
        ver = struct.unpack_from("<H", b, versym[4] + i * 2)[0] & 0x7FFF
        if ver in indexes:
            sym = cstr(dynstr, name)
            if info >> 4 != STB_WEAK:
                sys.exit(f"{path}: {sym}@{indexes[ver][1]} is not weak; refusing")
            print(f"{sym}@{indexes[ver][1]}: weak symbol")

    for flags_at, name in indexes.values():
        flags = struct.unpack_from("<H", b, flags_at)[0]
        struct.pack_into("<H", b, flags_at, flags | VER_FLG_WEAK)
        print(f"{path}: {name} requirement marked weak")
    open(path, "wb").write(b)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], set(sys.argv[2:]))
