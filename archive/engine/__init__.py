"""The engine: the only code that relies on Whoosh's private internals (version-checked).

Modules (`search/` and `indexing/` import them; the engine imports Whoosh and the records only):
- `postings`: `Postings` (a term's document numbers and weights as arrays, phrase matching
  from positions, proximity), `TermCache` (decoded arrays of recent terms), `Lengths` (field
  length bytes of every document);
- `positions`: a positions sidecar per segment (flat, memory-mapped arrays), written by the
  segment writer from its postings stream and read by phrases and proximity;
- `docsidecar`: a postings sidecar per segment (each term's document numbers, and weights
  where the positions sidecar's counts are not them, as memory-mapped arrays), written from
  the same stream and read by `Postings.arrays` instead of Whoosh's blocks;
- `bm25`: `top_documents`, Whoosh's BM25F top k computed over those arrays;
- `collectors`: `TimeLimit`, the exception a search past its time limit raises;
- `segmentwriter`: `FastSegmentWriter`, Whoosh's writer with a cheaper postings pool, writing the
  same files;
- `termpool`: `TermPool`, that pool: each term's postings kept in arrays as documents come,
  spilled to sorted runs past a memory limit and merged a term at a time;
- `segments`: a parallel build's segments finished by hand and committed in one TOC
  (`worker_writer`, `finish_segment`, `commit_segments`), and a generation's files cloned
  (`clone_files`);
- `docnums`: `as_docnums`, document numbers as NumPy index arrays;
- `version`: `check_whoosh_version`, run once below when the engine is first imported.

Whoosh internals relied on (whoosh-reloaded 2.7.5), where, and what breaks if one changes:
- `whoosh.codec.whoosh3.W3LeafMatcher`'s block reading: `_read_ids`, `_read_weights`,
  `_read_data`, `_next_block`, `block_max_id`, and its state `_ids`, `_weights`, `_data` (the
  unpickled block tuple `(ids, weights, values)`) and `_i` (the position in the block)
  [`postings.Postings._read`, `_values`, `_skip`]; to jump to a block without reading the
  headers before it, `_goto(offset)`, `_baseoffset`, `_nextoffset`, `_lastblock` and `_maxid`
  [`postings.Postings._directory`, `_encoded_few`]. A renamed method fails loudly
  (AttributeError); a changed block tuple would give wrong documents, weights or positions:
  the equivalence tests in `tests/test_engine.py` fail.
- `whoosh.matching.wrappers.FilterMatcher` as the deleted-documents wrapper that
  `SegmentReader.postings` puts around a segment's postings, unwrapped through `.child`
  [`postings._unfiltered`]; callers mask deleted documents themselves. If the wrapping changed,
  the leaf matcher's methods would be missing (AttributeError).
- The Positions format's value layout: a 4-byte length (`whoosh.system._INT_SIZE`) then the
  pickled position deltas, with pickle's STOP byte stripped [`postings._decode_positions`, for
  a field with Whoosh's own Positions format; ours have `positions.SidecarPositions`, whose
  `posting_size` 0 makes `W3PostingsWriter._mini_values` keep no value]. The sidecar writer
  takes each posting's raw positions from the pool's terms, in (field, term) order
  (`termpool.Piece`: document numbers, weights, values) [`positions._FieldFiles`]; a segment
  merged in at commit gives them from its sidecar, walking the segment's own term matcher
  (`SegmentReader._terms.matcher`, every posting, deleted ones too, in the sidecar's order)
  [`segmentwriter._reader_postings`]; changed, the merge test in `tests/test_indexer.py`
  fails. The sidecar's files are named
  `<segment_id()>.<field>.<ext>` in the storage's `folder`, matching `TOC._segment_pattern`
  so that Whoosh's clean-up removes them with their segment [`positions.recorder`]. The
  postings sidecar reads the same stream's document numbers and weights, trusting that the
  pool gives each field's postings sorted by term then document number, as Whoosh's codec
  writes them, and names its files the same way [`docsidecar.recorder`]; changed, the
  sidecar equivalence tests in `tests/test_engine.py` fail.
- Length columns: `W3PerDocReader._cached_reader(_lenfield(name), LENGTHS_COLUMN)` gives a
  column of one length byte per document, decoded by `whoosh.util.numeric.byte_to_length`,
  0 meaning no length [`postings.Lengths.get`, `segmentwriter._Lengths`, whose raw reads also
  use the column's `_dbfile`, `_basepos`, `_count` (and `_doccount`,
  `postings._length_bytes`)]; changed, BM25F scores drift (the ranking
  equivalence test fails) and the fast writer's files differ (the writer test fails).
- `whoosh.scoring.BM25F`'s `_field_B` (per-field B) and its arithmetic (`scoring.bm25`, an
  empty field counted as length 1) repeated in NumPy [`bm25`]; changed, our scores differ
  from `searcher.search` (the ranking equivalence test fails).
- `W3FieldWriter._postwriter` and its postings writer's block buffers (`_ids`, `_weights`,
  `_values`, `_maxweight`, `_minlength`, `_maxlength`, `_blocklimit`, `_format`,
  `_write_block`), filled a block at a time as `add_posting` fills them, a term's partial
  block topped up by its next piece [`segmentwriter.write_postings`, `_add_term`]; changed,
  the writer's files differ from Whoosh's (the writer tests fail).
- `SegmentWriter` (`_flush_segment`, `_tempstorage` with its `create_file(...).raw_file()`,
  `open_file`, `delete_file`, `newsegment`, `per_document_reader`, `perdocwriter`,
  `fieldwriter`, and `pool`, whose `add` its segment merges call and whose `cleanup` its
  `_close_segment` calls) [`segmentwriter`, `termpool`]; changed, building fails or writes
  other bytes (the writer test fails).
- `SegmentWriter`'s `_lk` argument (take no index lock), `_finalize_segment`,
  `_close_segment`, `_commit_toc`, `_finish`, and `Segment` objects that pickle between
  processes [`segments`]; changed, a parallel full build fails (test_indexer's parallel tests).
- Whoosh's file naming, `whoosh.index.TOC._pattern` (`_MAIN_<n>.toc`) and
  `TOC._segment_pattern` (`MAIN_<id>.<ext>`), and the fact that segment files are written
  once and never changed while the TOC is rewritten [`segments.clone_files`]; changed, an
  incremental update could miss files or alter the serving generation (the reindex tests fail).

Whoosh is frozen (whoosh-reloaded 2.7.5 is the fork's final release), so these only change if
another Whoosh is installed: importing the engine then refuses, naming the installed and
supported versions and the fix, rather than running on internals it was not tested with.
"""

import whoosh

from .version import check_whoosh_version

check_whoosh_version(whoosh.__version__)
