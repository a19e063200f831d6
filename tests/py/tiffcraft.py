"""Hand-made TIFF files with exactly the directory a test wants.

tifffile writes only well-formed files; the TIFF tests need strip tables
that lie (padding between strips, fewer byte counts than offsets, a strip
at byte 0) and IFD chains that loop.  ``craft`` lays out a classic or
BigTIFF file from explicit pieces: each page is its strips' bytes plus the
tags to write, and any tag may be overridden after layout (``fix``), so a
test can say "strip offsets as laid out, but byte counts (8,)".
"""
import struct

import numpy as np

# tag: (TIFF type, struct code); LONG8 only in BigTIFF
_TYPES = {3: "H", 4: "I", 16: "Q"}


class Page:
    """One image: its strips (bytes, written back to back unless gaps says
    otherwise) and its tags ({tag: int or sequence})."""

    def __init__(self, strips, tags, gaps=None):
        self.strips = list(strips)
        self.tags = dict(tags)
        self.gaps = list(gaps or [0] * len(self.strips))


def plain(image, rows_per_strip=None, planar=False):
    """A Page of the ndarray `image` ((H, W), (H, W, S) chunky or (S, H, W)
    with planar=True), cut into strips of rows_per_strip rows."""
    image = np.asarray(image)
    if planar:
        spp, h, w = image.shape
        planes = list(image)
    else:
        h, w = image.shape[:2]
        spp = image.shape[2] if image.ndim == 3 else 1
        planes = [image]
    rps = rows_per_strip or h
    strips = [p[y:y + rps].tobytes() for p in planes for y in range(0, h, rps)]
    kind = {"u": 1, "i": 2, "f": 3}[image.dtype.kind]
    tags = {256: w, 257: h, 258: [image.dtype.itemsize * 8] * spp, 259: 1,
            262: 2 if spp == 3 else 1, 277: spp, 278: rps, 284: 2 if planar else 1,
            339: [kind] * spp}
    return Page(strips, tags)


def craft(pages, *, byteorder="<", bigtiff=False, fix=None, next_ifd=None):
    """The bytes of a TIFF file holding `pages`.

    fix: {page index: {tag: value}} applied after layout (the strip tables
    are computed first, as 273 StripOffsets and 279 StripByteCounts, so a fix
    can replace them).  next_ifd: {page index: offset} overrides the pointer
    to the next IFD (the last one's is 0)."""
    e = byteorder
    off_code, head = ("Q", 16) if bigtiff else ("I", 8)
    out = bytearray(b"II" if e == "<" else b"MM")
    out += struct.pack(e + "HHHQ", 43, 8, 0, 0) if bigtiff else struct.pack(e + "HI", 42, 0)
    assert len(out) == head
    fixes = fix or {}
    ifds, links = [], []
    for k, page in enumerate(pages):
        offsets, counts = [], []
        for strip, gap in zip(page.strips, page.gaps):
            out += b"\xee" * gap
            offsets.append(len(out))
            counts.append(len(strip))
            out += strip
        tags = dict(page.tags)
        tags[273], tags[279] = offsets, counts
        tags.update(fixes.get(k, {}))
        if len(out) % 2:
            out += b"\0"
        ifd, link = _ifd(out, tags, e, bigtiff)
        ifds.append(ifd)
        links.append(link)
    first = ifds[0] if ifds else 0
    struct.pack_into(e + off_code, out, 8 if bigtiff else 4, first)
    for k, link in enumerate(links):
        nxt = ifds[k + 1] if k + 1 < len(ifds) else 0
        nxt = (next_ifd or {}).get(k, nxt)
        struct.pack_into(e + off_code, out, link, nxt)
    return bytes(out)


def _ifd(out, tags, e, bigtiff):
    """Appends tags' out-of-line values, then the IFD; returns the IFD's
    offset and where its next-IFD pointer lies."""
    entry, inline, count_code = (20, 8, "Q") if bigtiff else (12, 4, "I")
    rows = []
    for tag in sorted(tags):
        value = tags[tag]
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        typ = 3 if tag in (258, 259, 262, 277, 284, 339) else (16 if bigtiff else 4)
        data = struct.pack(e + _TYPES[typ] * len(values), *values)
        if len(data) > inline:
            where = len(out)
            out += data
            if len(out) % 2:
                out += b"\0"
            data = struct.pack(e + ("Q" if bigtiff else "I"), where)
        rows.append(struct.pack(e + "HH" + count_code, tag, typ, len(values)) +
                    data.ljust(inline, b"\0"))
    ifd = len(out)
    out += struct.pack(e + ("Q" if bigtiff else "H"), len(rows))
    out += b"".join(rows)
    assert all(len(r) == entry for r in rows)
    link = len(out)
    out += b"\0" * (8 if bigtiff else 4)
    return ifd, link
