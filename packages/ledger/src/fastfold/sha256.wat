;; RFC 6962 Merkle fold with a hand-written SHA-256, for FastTree (index.ts).
;; Compiled to wasm.ts by scripts/build-wasm.mjs (`npm run build:wasm -w @runledger/ledger`); the test
;; suite fails when wasm.ts is stale.
;;
;; Only node hashes happen here: SHA-256(0x01 || left || right), 65 bytes, always two blocks.
;;   block 1 = 0x01 || left || right[0..31)
;;   block 2 = right[31] || 0x80 || zeros || 520 (the bit length, big-endian)
;; Three shortcuts:
;;   - Block 2's message schedule depends on right[31] alone, so its 256 possible schedules (with the
;;     round constants already added) are computed once at instantiation and block 2 skips expansion.
;;   - Block 1's rounds 0..7 read only W[0..7] = 0x01 || left[0..31), so they depend on the left child
;;     alone. The left child of every node hash is a peak (append merges a peak with the new subtree;
;;     root folds a peak with the fold of the smaller ones), and each peak keeps that "midstate":
;;     computed once when the peak is created, it saves 8 of the 128 rounds of every hash.
;;   - Hashes are kept as eight SHA-256 state words (i32 values, word 0 first), so a node's output
;;     feeds the next node without byte swapping. Bytes (big-endian, as SHA-256 writes them) are
;;     converted only at the edges: the leaf passed to append and the root written by root.
;;
;; Tree sizes never reach this module: the caller keeps the size (a JS number, up to 2^53-1) and
;; passes the number of merges an append performs (the trailing one bits of the size).
;;
;; Memory layout (2 pages, exported as "memory"; offsets are bytes, [n] counts i32 words):
;;   0x0000  K[64]            round constants
;;   0x0100  IV[8]            initial hash value
;;   0x0120  STATE[8]         compression output
;;   0x0140  IN_A (32 bytes)  big-endian: the leaf for append, the left child for node
;;   0x0160  IN_B (32 bytes)  big-endian: the right child for node
;;   0x0180  OUT (32 bytes)   big-endian: the result of root and node
;;   0x01A0  CUR[8]           fold accumulator
;;   0x01C0  TMP_B[8]         node's right child
;;   0x0200  TMP_A[16]        node's left child and its midstate
;;   0x0240  ZERO[8]          never written
;;   0x0300  W[64]            scratch for building KW2 at instantiation
;;   0x0400  KW1[64]          block 1 W[t] + K[t] (t >= 8)
;;   0x05E0  KWM[8]           W[t] + K[t], t < 8, for computing a midstate
;;   0x0800  PEAKS[64][16]    the compact range, largest subtree first: hash words, then midstate
;;   0x2000  KW2[256][64]     block 2 W[t] + K[t], one schedule per value of right[31] (64 KiB)
;;   0x12000 PEAKSIN[64]      big-endian peaks for setPeaks (32 bytes each)
;;   0x12800 B64[64]          the base64 alphabet (for compare)
;; The JS side fills KW2 (initSchedules, or a copy from another instance) before any hashing.
;; Every W + K table starts 256-byte aligned (KWM ends at a boundary): $rounds stops there.
;;
;; Batches (FastTree's batch API): a tree that uses them grows the memory to 24 pages (1.5 MiB); the
;; batch area starts at 0x20000. sha256x4.wat, when the engine has SIMD, shares this memory and its
;; layout and does the work of leaves, merges and fold four lanes at a time; these scalar functions
;; do what does not fill four lanes, and everything without SIMD. A batch of k <= 256 entries:
;;   0x20000  (sha256x4.wat's tables and scratch, up to 0x21000)
;;   0x21000  PP[64]           the batch's peaks: addresses of 64-byte slots (hash words, midstate)
;;   0x21100  LW[64]           leaves: W; 0x21200 LKW[64]: W + K (256-byte aligned); 0x21300 LST[8]
;;   0x21400  NP[256]          NP[j]: number of peaks of the tree after the batch's j-th append
;;   0x21800  DESC[256][3]     staged lines: offset of the padded message, its blocks, the line length
;;   0x22800  LEAF[256][16]    leaf hash words (from leaves or leafWords), then the leaf's midstate
;;   0x26800  NODE[320][16]    nodes the batch's appends create (at most 63 + 256 merges)
;;   0x2B800  ROOTS[257]       bytes: ROOTS[j] = root of the tree of size (size before the batch) + j
;;                             (kept after the batch: the current root is ROOTS[k] until append)
;;   0x2D900  ORDER[256]       the indices j sorted by NP[j] (so SIMD lanes get programs of one length)
;;   0x2DD00  COUNT[65]        scratch for that counting sort
;;   0x2E000  PROG[256][64]    PROG[j]: PP after the j-th append (its fold program), largest peak first
;;   0x3E000  LEAFIN[256]      leaf hashes as bytes (input of leafWords)
;;   0x40000  EXPECT[256][44]  ASCII: the base64 root each staged entry expects before it (compare)
;;   0x44000  OPS[320][4]      the merges plan found: left, right, result (slot addresses), depth
;;   0x45800  OPSORDER[320]    OPS indices sorted by depth (merges of one depth are independent)
;;   0x46000  DEPTHS[320]      depth of NODE[i] (leaves and the batch's first peaks: 0)
;;   0x467FC  MAXDEPTH         the largest depth; 0x46800 LEVEL[321]: OPSORDER[LEVEL[d-1] .. LEVEL[d])
;;                             are the merges of depth d (LEVEL[0] = 0)
;;   0x48000  LINES            staged lines, each as 0x00 || line || SHA-256 padding (see pad)
(module
  (memory (export "memory") 2)

  ;; Number of peaks in PEAKS (popcount of the tree size).
  (global $npeaks (mut i32) (i32.const 0))
  ;; When $rootValid, ROOTS[$rootAt] holds the root of the current tree (set by a batch; append clears it).
  (global $rootValid (mut i32) (i32.const 0))
  (global $rootAt (mut i32) (i32.const 0))
  ;; Number of peaks after plan (written back by commit).
  (global $batchPeaks (mut i32) (i32.const 0))

  (start $init)

  ;; Round constants and initial hash value. KW2 is filled by initSchedules.
  (func $init
    ;; K
    (i32.store offset=0x000 (i32.const 0) (i32.const 0x428a2f98))
    (i32.store offset=0x004 (i32.const 0) (i32.const 0x71374491))
    (i32.store offset=0x008 (i32.const 0) (i32.const 0xb5c0fbcf))
    (i32.store offset=0x00c (i32.const 0) (i32.const 0xe9b5dba5))
    (i32.store offset=0x010 (i32.const 0) (i32.const 0x3956c25b))
    (i32.store offset=0x014 (i32.const 0) (i32.const 0x59f111f1))
    (i32.store offset=0x018 (i32.const 0) (i32.const 0x923f82a4))
    (i32.store offset=0x01c (i32.const 0) (i32.const 0xab1c5ed5))
    (i32.store offset=0x020 (i32.const 0) (i32.const 0xd807aa98))
    (i32.store offset=0x024 (i32.const 0) (i32.const 0x12835b01))
    (i32.store offset=0x028 (i32.const 0) (i32.const 0x243185be))
    (i32.store offset=0x02c (i32.const 0) (i32.const 0x550c7dc3))
    (i32.store offset=0x030 (i32.const 0) (i32.const 0x72be5d74))
    (i32.store offset=0x034 (i32.const 0) (i32.const 0x80deb1fe))
    (i32.store offset=0x038 (i32.const 0) (i32.const 0x9bdc06a7))
    (i32.store offset=0x03c (i32.const 0) (i32.const 0xc19bf174))
    (i32.store offset=0x040 (i32.const 0) (i32.const 0xe49b69c1))
    (i32.store offset=0x044 (i32.const 0) (i32.const 0xefbe4786))
    (i32.store offset=0x048 (i32.const 0) (i32.const 0x0fc19dc6))
    (i32.store offset=0x04c (i32.const 0) (i32.const 0x240ca1cc))
    (i32.store offset=0x050 (i32.const 0) (i32.const 0x2de92c6f))
    (i32.store offset=0x054 (i32.const 0) (i32.const 0x4a7484aa))
    (i32.store offset=0x058 (i32.const 0) (i32.const 0x5cb0a9dc))
    (i32.store offset=0x05c (i32.const 0) (i32.const 0x76f988da))
    (i32.store offset=0x060 (i32.const 0) (i32.const 0x983e5152))
    (i32.store offset=0x064 (i32.const 0) (i32.const 0xa831c66d))
    (i32.store offset=0x068 (i32.const 0) (i32.const 0xb00327c8))
    (i32.store offset=0x06c (i32.const 0) (i32.const 0xbf597fc7))
    (i32.store offset=0x070 (i32.const 0) (i32.const 0xc6e00bf3))
    (i32.store offset=0x074 (i32.const 0) (i32.const 0xd5a79147))
    (i32.store offset=0x078 (i32.const 0) (i32.const 0x06ca6351))
    (i32.store offset=0x07c (i32.const 0) (i32.const 0x14292967))
    (i32.store offset=0x080 (i32.const 0) (i32.const 0x27b70a85))
    (i32.store offset=0x084 (i32.const 0) (i32.const 0x2e1b2138))
    (i32.store offset=0x088 (i32.const 0) (i32.const 0x4d2c6dfc))
    (i32.store offset=0x08c (i32.const 0) (i32.const 0x53380d13))
    (i32.store offset=0x090 (i32.const 0) (i32.const 0x650a7354))
    (i32.store offset=0x094 (i32.const 0) (i32.const 0x766a0abb))
    (i32.store offset=0x098 (i32.const 0) (i32.const 0x81c2c92e))
    (i32.store offset=0x09c (i32.const 0) (i32.const 0x92722c85))
    (i32.store offset=0x0a0 (i32.const 0) (i32.const 0xa2bfe8a1))
    (i32.store offset=0x0a4 (i32.const 0) (i32.const 0xa81a664b))
    (i32.store offset=0x0a8 (i32.const 0) (i32.const 0xc24b8b70))
    (i32.store offset=0x0ac (i32.const 0) (i32.const 0xc76c51a3))
    (i32.store offset=0x0b0 (i32.const 0) (i32.const 0xd192e819))
    (i32.store offset=0x0b4 (i32.const 0) (i32.const 0xd6990624))
    (i32.store offset=0x0b8 (i32.const 0) (i32.const 0xf40e3585))
    (i32.store offset=0x0bc (i32.const 0) (i32.const 0x106aa070))
    (i32.store offset=0x0c0 (i32.const 0) (i32.const 0x19a4c116))
    (i32.store offset=0x0c4 (i32.const 0) (i32.const 0x1e376c08))
    (i32.store offset=0x0c8 (i32.const 0) (i32.const 0x2748774c))
    (i32.store offset=0x0cc (i32.const 0) (i32.const 0x34b0bcb5))
    (i32.store offset=0x0d0 (i32.const 0) (i32.const 0x391c0cb3))
    (i32.store offset=0x0d4 (i32.const 0) (i32.const 0x4ed8aa4a))
    (i32.store offset=0x0d8 (i32.const 0) (i32.const 0x5b9cca4f))
    (i32.store offset=0x0dc (i32.const 0) (i32.const 0x682e6ff3))
    (i32.store offset=0x0e0 (i32.const 0) (i32.const 0x748f82ee))
    (i32.store offset=0x0e4 (i32.const 0) (i32.const 0x78a5636f))
    (i32.store offset=0x0e8 (i32.const 0) (i32.const 0x84c87814))
    (i32.store offset=0x0ec (i32.const 0) (i32.const 0x8cc70208))
    (i32.store offset=0x0f0 (i32.const 0) (i32.const 0x90befffa))
    (i32.store offset=0x0f4 (i32.const 0) (i32.const 0xa4506ceb))
    (i32.store offset=0x0f8 (i32.const 0) (i32.const 0xbef9a3f7))
    (i32.store offset=0x0fc (i32.const 0) (i32.const 0xc67178f2))
    ;; IV
    (i32.store offset=0x100 (i32.const 0) (i32.const 0x6a09e667))
    (i32.store offset=0x104 (i32.const 0) (i32.const 0xbb67ae85))
    (i32.store offset=0x108 (i32.const 0) (i32.const 0x3c6ef372))
    (i32.store offset=0x10c (i32.const 0) (i32.const 0xa54ff53a))
    (i32.store offset=0x110 (i32.const 0) (i32.const 0x510e527f))
    (i32.store offset=0x114 (i32.const 0) (i32.const 0x9b05688c))
    (i32.store offset=0x118 (i32.const 0) (i32.const 0x1f83d9ab))
    (i32.store offset=0x11c (i32.const 0) (i32.const 0x5be0cd19))
    ;; B64: A-Z a-z 0-9 + /
    (i32.store offset=0x12800 (i32.const 0) (i32.const 0x44434241))
    (i32.store offset=0x12804 (i32.const 0) (i32.const 0x48474645))
    (i32.store offset=0x12808 (i32.const 0) (i32.const 0x4c4b4a49))
    (i32.store offset=0x1280c (i32.const 0) (i32.const 0x504f4e4d))
    (i32.store offset=0x12810 (i32.const 0) (i32.const 0x54535251))
    (i32.store offset=0x12814 (i32.const 0) (i32.const 0x58575655))
    (i32.store offset=0x12818 (i32.const 0) (i32.const 0x62615a59))
    (i32.store offset=0x1281c (i32.const 0) (i32.const 0x66656463))
    (i32.store offset=0x12820 (i32.const 0) (i32.const 0x6a696867))
    (i32.store offset=0x12824 (i32.const 0) (i32.const 0x6e6d6c6b))
    (i32.store offset=0x12828 (i32.const 0) (i32.const 0x7271706f))
    (i32.store offset=0x1282c (i32.const 0) (i32.const 0x76757473))
    (i32.store offset=0x12830 (i32.const 0) (i32.const 0x7a797877))
    (i32.store offset=0x12834 (i32.const 0) (i32.const 0x33323130))
    (i32.store offset=0x12838 (i32.const 0) (i32.const 0x37363534))
    (i32.store offset=0x1283c (i32.const 0) (i32.const 0x2f2b3938)))

  ;; Fills KW2. Instantiation does not: the table is the same for every instance, so the caller runs
  ;; this in its first instance and copies the 64 KiB into the next ones.
  (func (export "initSchedules")
    (local $x i32)
    ;; For each x = right[31], block 2 is x || 0x80 || 0 ... 0 || 0x0000000000000208. W[1..14] are
    ;; zero (memory starts zeroed and nothing else writes W); W[0] and W[15] are set here.
    (i32.store offset=0x33c (i32.const 0) (i32.const 520))
    (local.set $x (i32.const 0))
    (loop $each
      (i32.store offset=0x300 (i32.const 0)
        (i32.or (i32.shl (local.get $x) (i32.const 24)) (i32.const 0x00800000)))
      (call $schedule (i32.const 0x300) (i32.add (i32.const 0x2000) (i32.shl (local.get $x) (i32.const 8))))
      ;; schedule wrote W[16..63] only; W[1..15] are untouched for the next x.
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br_if $each (i32.ne (local.get $x) (i32.const 256)))))

  ;; Given W[0..15] at $w, computes W[16..63] at $w and W[t] + K[t] (t = 0..63) at $kw.
  (func $schedule (param $w i32) (param $kw i32)
    (local $o i32) (local $p i32) (local $x i32) (local $y i32)
    (local.set $o (i32.const 0))
    (loop $first
      (i32.store (i32.add (local.get $kw) (local.get $o))
        (i32.add (i32.load (i32.add (local.get $w) (local.get $o))) (i32.load (local.get $o))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br_if $first (i32.ne (local.get $o) (i32.const 64))))
    (loop $rest
      ;; p = &W[t - 16], where o = 4t
      (local.set $p (i32.add (local.get $w) (i32.sub (local.get $o) (i32.const 64))))
      (local.set $x (i32.load offset=56 (local.get $p)))          ;; W[t - 2]
      (local.set $y (i32.load offset=4 (local.get $p)))           ;; W[t - 15]
      (local.set $x
        (i32.add
          (i32.add
            ;; sigma1(W[t - 2])
            (i32.xor
              (i32.xor (i32.rotr (local.get $x) (i32.const 17)) (i32.rotr (local.get $x) (i32.const 19)))
              (i32.shr_u (local.get $x) (i32.const 10)))
            (i32.load offset=36 (local.get $p)))                  ;; W[t - 7]
          (i32.add
            ;; sigma0(W[t - 15])
            (i32.xor
              (i32.xor (i32.rotr (local.get $y) (i32.const 7)) (i32.rotr (local.get $y) (i32.const 18)))
              (i32.shr_u (local.get $y) (i32.const 3)))
            (i32.load (local.get $p)))))                          ;; W[t - 16]
      (i32.store offset=64 (local.get $p) (local.get $x))          ;; W[t]
      (i32.store (i32.add (local.get $kw) (local.get $o))
        (i32.add (local.get $x) (i32.load (local.get $o))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br_if $rest (i32.ne (local.get $o) (i32.const 256)))))

  ;; Block 1's schedule with W in sixteen locals: builds W[0..15] from the children (0x01 || left ||
  ;; right[0..31), every word shifted by one byte) and writes W[t] + K[t] for t = 8..63 to KW1.
  ;; Rounds 0..7 use only W[0..7], which depend on the left child alone: they are in its midstate.
  (func $schedule1 (param $l i32) (param $r i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $w4 i32) (local $w5 i32) (local $w6 i32) (local $w7 i32)
    (local $w8 i32) (local $w9 i32) (local $w10 i32) (local $w11 i32)
    (local $w12 i32) (local $w13 i32) (local $w14 i32) (local $w15 i32)
    (local $o i32)
    (local.set $w0 (i32.or (i32.const 0x01000000) (i32.shr_u (i32.load offset=0 (local.get $l)) (i32.const 8))))
    (local.set $w1 (i32.or (i32.shl (i32.load offset=0 (local.get $l)) (i32.const 24)) (i32.shr_u (i32.load offset=4 (local.get $l)) (i32.const 8))))
    (local.set $w2 (i32.or (i32.shl (i32.load offset=4 (local.get $l)) (i32.const 24)) (i32.shr_u (i32.load offset=8 (local.get $l)) (i32.const 8))))
    (local.set $w3 (i32.or (i32.shl (i32.load offset=8 (local.get $l)) (i32.const 24)) (i32.shr_u (i32.load offset=12 (local.get $l)) (i32.const 8))))
    (local.set $w4 (i32.or (i32.shl (i32.load offset=12 (local.get $l)) (i32.const 24)) (i32.shr_u (i32.load offset=16 (local.get $l)) (i32.const 8))))
    (local.set $w5 (i32.or (i32.shl (i32.load offset=16 (local.get $l)) (i32.const 24)) (i32.shr_u (i32.load offset=20 (local.get $l)) (i32.const 8))))
    (local.set $w6 (i32.or (i32.shl (i32.load offset=20 (local.get $l)) (i32.const 24)) (i32.shr_u (i32.load offset=24 (local.get $l)) (i32.const 8))))
    (local.set $w7 (i32.or (i32.shl (i32.load offset=24 (local.get $l)) (i32.const 24)) (i32.shr_u (i32.load offset=28 (local.get $l)) (i32.const 8))))
    (local.set $w8 (i32.or (i32.shl (i32.load offset=28 (local.get $l)) (i32.const 24)) (i32.shr_u (i32.load offset=0 (local.get $r)) (i32.const 8))))
    (local.set $w9 (i32.or (i32.shl (i32.load offset=0 (local.get $r)) (i32.const 24)) (i32.shr_u (i32.load offset=4 (local.get $r)) (i32.const 8))))
    (local.set $w10 (i32.or (i32.shl (i32.load offset=4 (local.get $r)) (i32.const 24)) (i32.shr_u (i32.load offset=8 (local.get $r)) (i32.const 8))))
    (local.set $w11 (i32.or (i32.shl (i32.load offset=8 (local.get $r)) (i32.const 24)) (i32.shr_u (i32.load offset=12 (local.get $r)) (i32.const 8))))
    (local.set $w12 (i32.or (i32.shl (i32.load offset=12 (local.get $r)) (i32.const 24)) (i32.shr_u (i32.load offset=16 (local.get $r)) (i32.const 8))))
    (local.set $w13 (i32.or (i32.shl (i32.load offset=16 (local.get $r)) (i32.const 24)) (i32.shr_u (i32.load offset=20 (local.get $r)) (i32.const 8))))
    (local.set $w14 (i32.or (i32.shl (i32.load offset=20 (local.get $r)) (i32.const 24)) (i32.shr_u (i32.load offset=24 (local.get $r)) (i32.const 8))))
    (local.set $w15 (i32.or (i32.shl (i32.load offset=24 (local.get $r)) (i32.const 24)) (i32.shr_u (i32.load offset=28 (local.get $r)) (i32.const 8))))
    (i32.store offset=0x420 (i32.const 0) (i32.add (local.get $w8) (i32.load offset=32 (i32.const 0))))
    (i32.store offset=0x424 (i32.const 0) (i32.add (local.get $w9) (i32.load offset=36 (i32.const 0))))
    (i32.store offset=0x428 (i32.const 0) (i32.add (local.get $w10) (i32.load offset=40 (i32.const 0))))
    (i32.store offset=0x42c (i32.const 0) (i32.add (local.get $w11) (i32.load offset=44 (i32.const 0))))
    (i32.store offset=0x430 (i32.const 0) (i32.add (local.get $w12) (i32.load offset=48 (i32.const 0))))
    (i32.store offset=0x434 (i32.const 0) (i32.add (local.get $w13) (i32.load offset=52 (i32.const 0))))
    (i32.store offset=0x438 (i32.const 0) (i32.add (local.get $w14) (i32.load offset=56 (i32.const 0))))
    (i32.store offset=0x43c (i32.const 0) (i32.add (local.get $w15) (i32.load offset=60 (i32.const 0))))
    ;; Words 16..63, sixteen per iteration: o = 4 * (t - j), W[t] replaces W[t - 16] in $w(t mod 16).
    ;; sigma0(x) = rotr(rotr(x, 11) ^ x, 7) ^ x >> 3, sigma1(x) = rotr(rotr(x, 2) ^ x, 17) ^ x >> 10.
    (local.set $o (i32.const 64))
    (loop $sixteen
      (local.set $w0
        (i32.add
          (i32.add (local.get $w0)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w1) (i32.const 11)) (local.get $w1)) (i32.const 7)) (i32.shr_u (local.get $w1) (i32.const 3))))
          (i32.add (local.get $w9)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w14) (i32.const 2)) (local.get $w14)) (i32.const 17)) (i32.shr_u (local.get $w14) (i32.const 10))))))
      (i32.store offset=0x400 (local.get $o) (i32.add (local.get $w0) (i32.load offset=0 (local.get $o))))
      (local.set $w1
        (i32.add
          (i32.add (local.get $w1)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w2) (i32.const 11)) (local.get $w2)) (i32.const 7)) (i32.shr_u (local.get $w2) (i32.const 3))))
          (i32.add (local.get $w10)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w15) (i32.const 2)) (local.get $w15)) (i32.const 17)) (i32.shr_u (local.get $w15) (i32.const 10))))))
      (i32.store offset=0x404 (local.get $o) (i32.add (local.get $w1) (i32.load offset=4 (local.get $o))))
      (local.set $w2
        (i32.add
          (i32.add (local.get $w2)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w3) (i32.const 11)) (local.get $w3)) (i32.const 7)) (i32.shr_u (local.get $w3) (i32.const 3))))
          (i32.add (local.get $w11)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w0) (i32.const 2)) (local.get $w0)) (i32.const 17)) (i32.shr_u (local.get $w0) (i32.const 10))))))
      (i32.store offset=0x408 (local.get $o) (i32.add (local.get $w2) (i32.load offset=8 (local.get $o))))
      (local.set $w3
        (i32.add
          (i32.add (local.get $w3)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w4) (i32.const 11)) (local.get $w4)) (i32.const 7)) (i32.shr_u (local.get $w4) (i32.const 3))))
          (i32.add (local.get $w12)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w1) (i32.const 2)) (local.get $w1)) (i32.const 17)) (i32.shr_u (local.get $w1) (i32.const 10))))))
      (i32.store offset=0x40c (local.get $o) (i32.add (local.get $w3) (i32.load offset=12 (local.get $o))))
      (local.set $w4
        (i32.add
          (i32.add (local.get $w4)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w5) (i32.const 11)) (local.get $w5)) (i32.const 7)) (i32.shr_u (local.get $w5) (i32.const 3))))
          (i32.add (local.get $w13)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w2) (i32.const 2)) (local.get $w2)) (i32.const 17)) (i32.shr_u (local.get $w2) (i32.const 10))))))
      (i32.store offset=0x410 (local.get $o) (i32.add (local.get $w4) (i32.load offset=16 (local.get $o))))
      (local.set $w5
        (i32.add
          (i32.add (local.get $w5)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w6) (i32.const 11)) (local.get $w6)) (i32.const 7)) (i32.shr_u (local.get $w6) (i32.const 3))))
          (i32.add (local.get $w14)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w3) (i32.const 2)) (local.get $w3)) (i32.const 17)) (i32.shr_u (local.get $w3) (i32.const 10))))))
      (i32.store offset=0x414 (local.get $o) (i32.add (local.get $w5) (i32.load offset=20 (local.get $o))))
      (local.set $w6
        (i32.add
          (i32.add (local.get $w6)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w7) (i32.const 11)) (local.get $w7)) (i32.const 7)) (i32.shr_u (local.get $w7) (i32.const 3))))
          (i32.add (local.get $w15)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w4) (i32.const 2)) (local.get $w4)) (i32.const 17)) (i32.shr_u (local.get $w4) (i32.const 10))))))
      (i32.store offset=0x418 (local.get $o) (i32.add (local.get $w6) (i32.load offset=24 (local.get $o))))
      (local.set $w7
        (i32.add
          (i32.add (local.get $w7)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w8) (i32.const 11)) (local.get $w8)) (i32.const 7)) (i32.shr_u (local.get $w8) (i32.const 3))))
          (i32.add (local.get $w0)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w5) (i32.const 2)) (local.get $w5)) (i32.const 17)) (i32.shr_u (local.get $w5) (i32.const 10))))))
      (i32.store offset=0x41c (local.get $o) (i32.add (local.get $w7) (i32.load offset=28 (local.get $o))))
      (local.set $w8
        (i32.add
          (i32.add (local.get $w8)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w9) (i32.const 11)) (local.get $w9)) (i32.const 7)) (i32.shr_u (local.get $w9) (i32.const 3))))
          (i32.add (local.get $w1)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w6) (i32.const 2)) (local.get $w6)) (i32.const 17)) (i32.shr_u (local.get $w6) (i32.const 10))))))
      (i32.store offset=0x420 (local.get $o) (i32.add (local.get $w8) (i32.load offset=32 (local.get $o))))
      (local.set $w9
        (i32.add
          (i32.add (local.get $w9)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w10) (i32.const 11)) (local.get $w10)) (i32.const 7)) (i32.shr_u (local.get $w10) (i32.const 3))))
          (i32.add (local.get $w2)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w7) (i32.const 2)) (local.get $w7)) (i32.const 17)) (i32.shr_u (local.get $w7) (i32.const 10))))))
      (i32.store offset=0x424 (local.get $o) (i32.add (local.get $w9) (i32.load offset=36 (local.get $o))))
      (local.set $w10
        (i32.add
          (i32.add (local.get $w10)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w11) (i32.const 11)) (local.get $w11)) (i32.const 7)) (i32.shr_u (local.get $w11) (i32.const 3))))
          (i32.add (local.get $w3)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w8) (i32.const 2)) (local.get $w8)) (i32.const 17)) (i32.shr_u (local.get $w8) (i32.const 10))))))
      (i32.store offset=0x428 (local.get $o) (i32.add (local.get $w10) (i32.load offset=40 (local.get $o))))
      (local.set $w11
        (i32.add
          (i32.add (local.get $w11)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w12) (i32.const 11)) (local.get $w12)) (i32.const 7)) (i32.shr_u (local.get $w12) (i32.const 3))))
          (i32.add (local.get $w4)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w9) (i32.const 2)) (local.get $w9)) (i32.const 17)) (i32.shr_u (local.get $w9) (i32.const 10))))))
      (i32.store offset=0x42c (local.get $o) (i32.add (local.get $w11) (i32.load offset=44 (local.get $o))))
      (local.set $w12
        (i32.add
          (i32.add (local.get $w12)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w13) (i32.const 11)) (local.get $w13)) (i32.const 7)) (i32.shr_u (local.get $w13) (i32.const 3))))
          (i32.add (local.get $w5)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w10) (i32.const 2)) (local.get $w10)) (i32.const 17)) (i32.shr_u (local.get $w10) (i32.const 10))))))
      (i32.store offset=0x430 (local.get $o) (i32.add (local.get $w12) (i32.load offset=48 (local.get $o))))
      (local.set $w13
        (i32.add
          (i32.add (local.get $w13)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w14) (i32.const 11)) (local.get $w14)) (i32.const 7)) (i32.shr_u (local.get $w14) (i32.const 3))))
          (i32.add (local.get $w6)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w11) (i32.const 2)) (local.get $w11)) (i32.const 17)) (i32.shr_u (local.get $w11) (i32.const 10))))))
      (i32.store offset=0x434 (local.get $o) (i32.add (local.get $w13) (i32.load offset=52 (local.get $o))))
      (local.set $w14
        (i32.add
          (i32.add (local.get $w14)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w15) (i32.const 11)) (local.get $w15)) (i32.const 7)) (i32.shr_u (local.get $w15) (i32.const 3))))
          (i32.add (local.get $w7)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w12) (i32.const 2)) (local.get $w12)) (i32.const 17)) (i32.shr_u (local.get $w12) (i32.const 10))))))
      (i32.store offset=0x438 (local.get $o) (i32.add (local.get $w14) (i32.load offset=56 (local.get $o))))
      (local.set $w15
        (i32.add
          (i32.add (local.get $w15)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w0) (i32.const 11)) (local.get $w0)) (i32.const 7)) (i32.shr_u (local.get $w0) (i32.const 3))))
          (i32.add (local.get $w8)
            (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $w13) (i32.const 2)) (local.get $w13)) (i32.const 17)) (i32.shr_u (local.get $w13) (i32.const 10))))))
      (i32.store offset=0x43c (local.get $o) (i32.add (local.get $w15) (i32.load offset=60 (local.get $o))))
      (local.set $o (i32.add (local.get $o) (i32.const 64)))
      (br_if $sixteen (i32.ne (local.get $o) (i32.const 256)))))

  ;; SHA-256 rounds: a..h from the 8 words at $src, one round per W[t] + K[t] word from $kw up to the
  ;; next 256-byte boundary (64 rounds from a table start, 56 from KW1 + 32, 8 from KWM); then
  ;; STATE = words at $base + a..h ($base = $src for a plain compression).
  ;; Eight rounds per iteration, rotating the roles of a..h instead of moving values. Per round:
  ;;   u = h + W[t] + K[t]; ch = g ^ (e & (f ^ g)); s1 = Sigma1(e)
  ;;   h' = u + ch + s1 + Maj(a, b, c) + Sigma0(a)      (the new a)
  ;;   d' = d + u + ch + s1                             (the new e)
  ;; with Maj(a, b, c) = (a & (b | c)) | (b & c), Sigma1(e) = rotr(rotr(rotr(e, 14) ^ e, 5) ^ e, 6),
  ;; Sigma0(a) = rotr(rotr(rotr(a, 9) ^ a, 11) ^ a, 2); the additions are ordered to keep the
  ;; dependency chains from e and a short.
  (func $rounds (param $kw i32) (param $src i32) (param $base i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (local $u i32) (local $ch i32) (local $s1 i32)
    (local.set $a (i32.load offset=0 (local.get $src)))
    (local.set $b (i32.load offset=4 (local.get $src)))
    (local.set $c (i32.load offset=8 (local.get $src)))
    (local.set $d (i32.load offset=12 (local.get $src)))
    (local.set $e (i32.load offset=16 (local.get $src)))
    (local.set $f (i32.load offset=20 (local.get $src)))
    (local.set $g (i32.load offset=24 (local.get $src)))
    (local.set $h (i32.load offset=28 (local.get $src)))
    (loop $eight
      ;; round 8i+0: (a b c d e f g h)
      (local.set $u (i32.add (local.get $h) (i32.load offset=0 (local.get $kw))))
      (local.set $ch (i32.xor (local.get $g) (i32.and (local.get $e) (i32.xor (local.get $f) (local.get $g)))))
      (local.set $s1
        (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $e) (i32.const 14)) (local.get $e)) (i32.const 5)) (local.get $e)) (i32.const 6)))
      (local.set $h
        (i32.add
          (i32.add
            (i32.add (i32.add (local.get $u) (local.get $ch)) (local.get $s1))
            (i32.or (i32.and (local.get $a) (i32.or (local.get $b) (local.get $c))) (i32.and (local.get $b) (local.get $c))))
          (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $a) (i32.const 9)) (local.get $a)) (i32.const 11)) (local.get $a)) (i32.const 2))))
      (local.set $d (i32.add (i32.add (i32.add (local.get $d) (local.get $u)) (local.get $ch)) (local.get $s1)))
      ;; round 8i+1: (h a b c d e f g)
      (local.set $u (i32.add (local.get $g) (i32.load offset=4 (local.get $kw))))
      (local.set $ch (i32.xor (local.get $f) (i32.and (local.get $d) (i32.xor (local.get $e) (local.get $f)))))
      (local.set $s1
        (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $d) (i32.const 14)) (local.get $d)) (i32.const 5)) (local.get $d)) (i32.const 6)))
      (local.set $g
        (i32.add
          (i32.add
            (i32.add (i32.add (local.get $u) (local.get $ch)) (local.get $s1))
            (i32.or (i32.and (local.get $h) (i32.or (local.get $a) (local.get $b))) (i32.and (local.get $a) (local.get $b))))
          (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $h) (i32.const 9)) (local.get $h)) (i32.const 11)) (local.get $h)) (i32.const 2))))
      (local.set $c (i32.add (i32.add (i32.add (local.get $c) (local.get $u)) (local.get $ch)) (local.get $s1)))
      ;; round 8i+2: (g h a b c d e f)
      (local.set $u (i32.add (local.get $f) (i32.load offset=8 (local.get $kw))))
      (local.set $ch (i32.xor (local.get $e) (i32.and (local.get $c) (i32.xor (local.get $d) (local.get $e)))))
      (local.set $s1
        (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $c) (i32.const 14)) (local.get $c)) (i32.const 5)) (local.get $c)) (i32.const 6)))
      (local.set $f
        (i32.add
          (i32.add
            (i32.add (i32.add (local.get $u) (local.get $ch)) (local.get $s1))
            (i32.or (i32.and (local.get $g) (i32.or (local.get $h) (local.get $a))) (i32.and (local.get $h) (local.get $a))))
          (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $g) (i32.const 9)) (local.get $g)) (i32.const 11)) (local.get $g)) (i32.const 2))))
      (local.set $b (i32.add (i32.add (i32.add (local.get $b) (local.get $u)) (local.get $ch)) (local.get $s1)))
      ;; round 8i+3: (f g h a b c d e)
      (local.set $u (i32.add (local.get $e) (i32.load offset=12 (local.get $kw))))
      (local.set $ch (i32.xor (local.get $d) (i32.and (local.get $b) (i32.xor (local.get $c) (local.get $d)))))
      (local.set $s1
        (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $b) (i32.const 14)) (local.get $b)) (i32.const 5)) (local.get $b)) (i32.const 6)))
      (local.set $e
        (i32.add
          (i32.add
            (i32.add (i32.add (local.get $u) (local.get $ch)) (local.get $s1))
            (i32.or (i32.and (local.get $f) (i32.or (local.get $g) (local.get $h))) (i32.and (local.get $g) (local.get $h))))
          (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $f) (i32.const 9)) (local.get $f)) (i32.const 11)) (local.get $f)) (i32.const 2))))
      (local.set $a (i32.add (i32.add (i32.add (local.get $a) (local.get $u)) (local.get $ch)) (local.get $s1)))
      ;; round 8i+4: (e f g h a b c d)
      (local.set $u (i32.add (local.get $d) (i32.load offset=16 (local.get $kw))))
      (local.set $ch (i32.xor (local.get $c) (i32.and (local.get $a) (i32.xor (local.get $b) (local.get $c)))))
      (local.set $s1
        (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $a) (i32.const 14)) (local.get $a)) (i32.const 5)) (local.get $a)) (i32.const 6)))
      (local.set $d
        (i32.add
          (i32.add
            (i32.add (i32.add (local.get $u) (local.get $ch)) (local.get $s1))
            (i32.or (i32.and (local.get $e) (i32.or (local.get $f) (local.get $g))) (i32.and (local.get $f) (local.get $g))))
          (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $e) (i32.const 9)) (local.get $e)) (i32.const 11)) (local.get $e)) (i32.const 2))))
      (local.set $h (i32.add (i32.add (i32.add (local.get $h) (local.get $u)) (local.get $ch)) (local.get $s1)))
      ;; round 8i+5: (d e f g h a b c)
      (local.set $u (i32.add (local.get $c) (i32.load offset=20 (local.get $kw))))
      (local.set $ch (i32.xor (local.get $b) (i32.and (local.get $h) (i32.xor (local.get $a) (local.get $b)))))
      (local.set $s1
        (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $h) (i32.const 14)) (local.get $h)) (i32.const 5)) (local.get $h)) (i32.const 6)))
      (local.set $c
        (i32.add
          (i32.add
            (i32.add (i32.add (local.get $u) (local.get $ch)) (local.get $s1))
            (i32.or (i32.and (local.get $d) (i32.or (local.get $e) (local.get $f))) (i32.and (local.get $e) (local.get $f))))
          (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $d) (i32.const 9)) (local.get $d)) (i32.const 11)) (local.get $d)) (i32.const 2))))
      (local.set $g (i32.add (i32.add (i32.add (local.get $g) (local.get $u)) (local.get $ch)) (local.get $s1)))
      ;; round 8i+6: (c d e f g h a b)
      (local.set $u (i32.add (local.get $b) (i32.load offset=24 (local.get $kw))))
      (local.set $ch (i32.xor (local.get $a) (i32.and (local.get $g) (i32.xor (local.get $h) (local.get $a)))))
      (local.set $s1
        (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $g) (i32.const 14)) (local.get $g)) (i32.const 5)) (local.get $g)) (i32.const 6)))
      (local.set $b
        (i32.add
          (i32.add
            (i32.add (i32.add (local.get $u) (local.get $ch)) (local.get $s1))
            (i32.or (i32.and (local.get $c) (i32.or (local.get $d) (local.get $e))) (i32.and (local.get $d) (local.get $e))))
          (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $c) (i32.const 9)) (local.get $c)) (i32.const 11)) (local.get $c)) (i32.const 2))))
      (local.set $f (i32.add (i32.add (i32.add (local.get $f) (local.get $u)) (local.get $ch)) (local.get $s1)))
      ;; round 8i+7: (b c d e f g h a)
      (local.set $u (i32.add (local.get $a) (i32.load offset=28 (local.get $kw))))
      (local.set $ch (i32.xor (local.get $h) (i32.and (local.get $f) (i32.xor (local.get $g) (local.get $h)))))
      (local.set $s1
        (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $f) (i32.const 14)) (local.get $f)) (i32.const 5)) (local.get $f)) (i32.const 6)))
      (local.set $a
        (i32.add
          (i32.add
            (i32.add (i32.add (local.get $u) (local.get $ch)) (local.get $s1))
            (i32.or (i32.and (local.get $b) (i32.or (local.get $c) (local.get $d))) (i32.and (local.get $c) (local.get $d))))
          (i32.rotr (i32.xor (i32.rotr (i32.xor (i32.rotr (local.get $b) (i32.const 9)) (local.get $b)) (i32.const 11)) (local.get $b)) (i32.const 2))))
      (local.set $e (i32.add (i32.add (i32.add (local.get $e) (local.get $u)) (local.get $ch)) (local.get $s1)))
      (local.set $kw (i32.add (local.get $kw) (i32.const 32)))
      (br_if $eight (i32.and (local.get $kw) (i32.const 0xff))))
    (i32.store offset=0x120 (i32.const 0) (i32.add (i32.load offset=0 (local.get $base)) (local.get $a)))
    (i32.store offset=0x124 (i32.const 0) (i32.add (i32.load offset=4 (local.get $base)) (local.get $b)))
    (i32.store offset=0x128 (i32.const 0) (i32.add (i32.load offset=8 (local.get $base)) (local.get $c)))
    (i32.store offset=0x12c (i32.const 0) (i32.add (i32.load offset=12 (local.get $base)) (local.get $d)))
    (i32.store offset=0x130 (i32.const 0) (i32.add (i32.load offset=16 (local.get $base)) (local.get $e)))
    (i32.store offset=0x134 (i32.const 0) (i32.add (i32.load offset=20 (local.get $base)) (local.get $f)))
    (i32.store offset=0x138 (i32.const 0) (i32.add (i32.load offset=24 (local.get $base)) (local.get $g)))
    (i32.store offset=0x13c (i32.const 0) (i32.add (i32.load offset=28 (local.get $base)) (local.get $h))))

  ;; Copies one 8-word hash.
  (func $copy8 (param $src i32) (param $dst i32)
    (i64.store offset=0 (local.get $dst) (i64.load offset=0 (local.get $src)))
    (i64.store offset=8 (local.get $dst) (i64.load offset=8 (local.get $src)))
    (i64.store offset=16 (local.get $dst) (i64.load offset=16 (local.get $src)))
    (i64.store offset=24 (local.get $dst) (i64.load offset=24 (local.get $src))))

  ;; 32 big-endian bytes at $src -> 8 words at $dst, and back: each 32-bit word is byte-swapped
  ;; (memory is little-endian, SHA-256 words big-endian) as rotl(x, 8) & 0x00ff00ff | rotr(x, 8) & 0xff00ff00.
  (func $swap8 (param $src i32) (param $dst i32)
    (local $x i32)
    (local.set $x (i32.load offset=0 (local.get $src)))
    (i32.store offset=0 (local.get $dst)
      (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))
    (local.set $x (i32.load offset=4 (local.get $src)))
    (i32.store offset=4 (local.get $dst)
      (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))
    (local.set $x (i32.load offset=8 (local.get $src)))
    (i32.store offset=8 (local.get $dst)
      (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))
    (local.set $x (i32.load offset=12 (local.get $src)))
    (i32.store offset=12 (local.get $dst)
      (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))
    (local.set $x (i32.load offset=16 (local.get $src)))
    (i32.store offset=16 (local.get $dst)
      (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))
    (local.set $x (i32.load offset=20 (local.get $src)))
    (i32.store offset=20 (local.get $dst)
      (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))
    (local.set $x (i32.load offset=24 (local.get $src)))
    (i32.store offset=24 (local.get $dst)
      (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))
    (local.set $x (i32.load offset=28 (local.get $src)))
    (i32.store offset=28 (local.get $dst)
      (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00)))))

  ;; Midstate of the hash at $p (as a left child): block 1's state after rounds 0..7, at $p + 32.
  (func $midstate (param $p i32)
    (i32.store offset=0x5e0 (i32.const 0) (i32.add (i32.load offset=0 (i32.const 0))
      (i32.or (i32.const 0x01000000) (i32.shr_u (i32.load offset=0 (local.get $p)) (i32.const 8)))))
    (i32.store offset=0x5e4 (i32.const 0) (i32.add (i32.load offset=4 (i32.const 0))
      (i32.or (i32.shl (i32.load offset=0 (local.get $p)) (i32.const 24)) (i32.shr_u (i32.load offset=4 (local.get $p)) (i32.const 8)))))
    (i32.store offset=0x5e8 (i32.const 0) (i32.add (i32.load offset=8 (i32.const 0))
      (i32.or (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 24)) (i32.shr_u (i32.load offset=8 (local.get $p)) (i32.const 8)))))
    (i32.store offset=0x5ec (i32.const 0) (i32.add (i32.load offset=12 (i32.const 0))
      (i32.or (i32.shl (i32.load offset=8 (local.get $p)) (i32.const 24)) (i32.shr_u (i32.load offset=12 (local.get $p)) (i32.const 8)))))
    (i32.store offset=0x5f0 (i32.const 0) (i32.add (i32.load offset=16 (i32.const 0))
      (i32.or (i32.shl (i32.load offset=12 (local.get $p)) (i32.const 24)) (i32.shr_u (i32.load offset=16 (local.get $p)) (i32.const 8)))))
    (i32.store offset=0x5f4 (i32.const 0) (i32.add (i32.load offset=20 (i32.const 0))
      (i32.or (i32.shl (i32.load offset=16 (local.get $p)) (i32.const 24)) (i32.shr_u (i32.load offset=20 (local.get $p)) (i32.const 8)))))
    (i32.store offset=0x5f8 (i32.const 0) (i32.add (i32.load offset=24 (i32.const 0))
      (i32.or (i32.shl (i32.load offset=20 (local.get $p)) (i32.const 24)) (i32.shr_u (i32.load offset=24 (local.get $p)) (i32.const 8)))))
    (i32.store offset=0x5fc (i32.const 0) (i32.add (i32.load offset=28 (i32.const 0))
      (i32.or (i32.shl (i32.load offset=24 (local.get $p)) (i32.const 24)) (i32.shr_u (i32.load offset=28 (local.get $p)) (i32.const 8)))))
    (call $rounds (i32.const 0x5e0) (i32.const 0x100) (i32.const 0x240))
    (call $copy8 (i32.const 0x120) (i32.add (local.get $p) (i32.const 32))))

  ;; words($d) = SHA-256(0x01 || bytes(words($l)) || bytes(words($r))), where $l + 32 holds the
  ;; midstate of $l. $d may be $l or $r ($l's midstate is then stale).
  (func $node (param $l i32) (param $r i32) (param $d i32)
    (local $last i32)
    ;; right[31], the first byte of block 2, selects block 2's precomputed schedule.
    (local.set $last (i32.and (i32.load offset=28 (local.get $r)) (i32.const 0xff)))
    (call $schedule1 (local.get $l) (local.get $r))
    (call $rounds (i32.const 0x420) (i32.add (local.get $l) (i32.const 32)) (i32.const 0x100))
    (call $rounds (i32.add (i32.const 0x2000) (i32.shl (local.get $last) (i32.const 8))) (i32.const 0x120) (i32.const 0x120))
    (call $copy8 (i32.const 0x120) (local.get $d)))

  ;; Appends the leaf at IN_A after merging it with the $merges smallest peaks (the trailing one
  ;; bits of the tree size before the append).
  (func (export "append") (param $merges i32)
    (local $p i32)
    (if (i32.gt_u (local.get $merges) (global.get $npeaks)) (then (unreachable)))
    (if (i32.ge_u (global.get $npeaks) (i32.const 64)) (then (unreachable)))
    (global.set $rootValid (i32.const 0))
    ;; The leaf goes into the next free slot; each merge folds the top slot into the one below.
    (local.set $p (i32.add (i32.const 0x800) (i32.shl (global.get $npeaks) (i32.const 6))))
    (call $swap8 (i32.const 0x140) (local.get $p))
    (block $done
      (loop $merge
        (br_if $done (i32.eqz (local.get $merges)))
        (local.set $p (i32.sub (local.get $p) (i32.const 64)))
        (call $node (local.get $p) (i32.add (local.get $p) (i32.const 64)) (local.get $p))
        (local.set $merges (i32.sub (local.get $merges) (i32.const 1)))
        (br $merge)))
    ;; The new top peak will be a left child from now on.
    (call $midstate (local.get $p))
    (global.set $npeaks
      (i32.add (i32.shr_u (i32.sub (local.get $p) (i32.const 0x800)) (i32.const 6)) (i32.const 1))))

  ;; Writes the root (the right fold of the peaks) to OUT as bytes and returns the number of peaks.
  ;; Returns 0 and leaves OUT alone for the empty tree, whose root the caller knows.
  (func $rootToOut (export "root") (result i32)
    (local $p i32)
    (if (i32.eqz (global.get $npeaks)) (then (return (i32.const 0))))
    (if (global.get $rootValid)
      (then
        (call $copy8 (i32.add (i32.const 0x2b800) (i32.shl (global.get $rootAt) (i32.const 5))) (i32.const 0x180))
        (return (global.get $npeaks))))
    (local.set $p (i32.add (i32.const 0x800) (i32.shl (i32.sub (global.get $npeaks) (i32.const 1)) (i32.const 6))))
    (if (i32.eq (local.get $p) (i32.const 0x800))
      (then (call $swap8 (local.get $p) (i32.const 0x180)))
      (else
        (local.set $p (i32.sub (local.get $p) (i32.const 64)))
        (call $node (local.get $p) (i32.add (local.get $p) (i32.const 64)) (i32.const 0x1a0))
        (block $done
          (loop $fold
            (br_if $done (i32.eq (local.get $p) (i32.const 0x800)))
            (local.set $p (i32.sub (local.get $p) (i32.const 64)))
            (call $node (local.get $p) (i32.const 0x1a0) (i32.const 0x1a0))
            (br $fold)))
        (call $swap8 (i32.const 0x1a0) (i32.const 0x180))))
    (global.get $npeaks))

  ;; Replaces the compact range with the $n peaks at PEAKSIN (largest first; the caller knows the size).
  (func (export "setPeaks") (param $n i32)
    (local $i i32)
    (if (i32.gt_u (local.get $n) (i32.const 64)) (then (unreachable)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $swap8 (i32.add (i32.const 0x12000) (i32.shl (local.get $i) (i32.const 5)))
                     (i32.add (i32.const 0x800) (i32.shl (local.get $i) (i32.const 6))))
        (call $midstate (i32.add (i32.const 0x800) (i32.shl (local.get $i) (i32.const 6))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (global.set $npeaks (local.get $n))
    (global.set $rootValid (i32.const 0)))

  ;; OUT = SHA-256(0x01 || IN_A || IN_B): one node hash on bytes (tests, benchmarks).
  (func (export "node")
    (call $swap8 (i32.const 0x140) (i32.const 0x200))
    (call $midstate (i32.const 0x200))
    (call $swap8 (i32.const 0x160) (i32.const 0x1c0))
    (call $node (i32.const 0x200) (i32.const 0x1c0) (i32.const 0x1a0))
    (call $swap8 (i32.const 0x1a0) (i32.const 0x180)))

  ;; Chains $n node hashes inside WASM: CUR = node(IN_A, CUR), starting from CUR = IN_B; OUT = CUR.
  ;; Measures the hash without the JS boundary (benchmarks) and checks chaining (tests).
  (func (export "nodeChain") (param $n i32)
    (call $swap8 (i32.const 0x140) (i32.const 0x200))
    (call $midstate (i32.const 0x200))
    (call $swap8 (i32.const 0x160) (i32.const 0x1a0))
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $n)))
        (call $node (i32.const 0x200) (i32.const 0x1a0) (i32.const 0x1a0))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $each)))
    (call $swap8 (i32.const 0x1a0) (i32.const 0x180)))

  ;; ---- Batches ----
  ;; A batch appends k staged leaves and computes the root after each append; the JS side calls
  ;;   begin; (leafWords k | pad k; leaves4 and/or leaves); plan k; fold4 and/or fold; commit k.
  ;; The tree's PEAKS stay as they were until commit: plan writes every node it creates to LEAF/NODE
  ;; slots and records each size's peaks as addresses (PROG), which the folds then read.

  ;; ROOTS[0] = the root of the current tree (SHA-256("") when empty).
  (func (export "begin")
    (if (global.get $rootValid)
      (then
        (call $copy8 (i32.add (i32.const 0x2b800) (i32.shl (global.get $rootAt) (i32.const 5))) (i32.const 0x2b800))
        (global.set $rootAt (i32.const 0))
        (return)))
    (if (i32.eqz (call $rootToOut))
      (then
        ;; e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855, little-endian words
        (i32.store offset=0x2b800 (i32.const 0) (i32.const 0x42c4b0e3))
        (i32.store offset=0x2b804 (i32.const 0) (i32.const 0x141cfc98))
        (i32.store offset=0x2b808 (i32.const 0) (i32.const 0xc8f4fb9a))
        (i32.store offset=0x2b80c (i32.const 0) (i32.const 0x24b96f99))
        (i32.store offset=0x2b810 (i32.const 0) (i32.const 0xe441ae27))
        (i32.store offset=0x2b814 (i32.const 0) (i32.const 0x4c939b64))
        (i32.store offset=0x2b818 (i32.const 0) (i32.const 0x1b9995a4))
        (i32.store offset=0x2b81c (i32.const 0) (i32.const 0x55b85278)))
      (else (call $copy8 (i32.const 0x180) (i32.const 0x2b800))))
    (global.set $rootValid (i32.const 1)))

  ;; LEAF[j] = words of LEAFIN[j], j < $k: leaf hashes given as bytes.
  (func (export "leafWords") (param $k i32)
    (local $j i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
        (call $swap8 (i32.add (i32.const 0x3e000) (i32.shl (local.get $j) (i32.const 5)))
                     (i32.add (i32.const 0x22800) (i32.shl (local.get $j) (i32.const 6))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each))))

  ;; Completes the messages of the staged lines DESC[0 .. k): the JS side copied line j to offset + 1 and
  ;; chose its block count (len + 9 bytes rounded up to 64); this writes the 0x00 leaf prefix at offset
  ;; and SHA-256's padding: 0x80, zeros, the bit length of 0x00 || line as 64 bits big-endian.
  (func (export "pad") (param $k i32)
    (local $j i32) (local $d i32) (local $off i32) (local $end i32) (local $p i32) (local $bits i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
        (local.set $d (i32.mul (local.get $j) (i32.const 12)))
        (local.set $off (i32.load offset=0x21800 (local.get $d)))
        (local.set $end (i32.add (local.get $off) (i32.shl (i32.load offset=0x21804 (local.get $d)) (i32.const 6))))
        (local.set $p (i32.add (i32.add (local.get $off) (i32.const 1)) (i32.load offset=0x21808 (local.get $d))))
        (if (i32.gt_u (i32.add (local.get $p) (i32.const 9)) (local.get $end)) (then (unreachable)))
        (i32.store8 (local.get $off) (i32.const 0))
        (i32.store8 (local.get $p) (i32.const 0x80))
        ;; Zeros from p + 1 to end - 4, eight bytes at a time (the last store may reach into the
        ;; length, written after); the length's high word is among them (a line is far below 512 MiB).
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (loop $zero
          (i64.store (local.get $p) (i64.const 0))
          (local.set $p (i32.add (local.get $p) (i32.const 8)))
          (br_if $zero (i32.lt_u (local.get $p) (i32.sub (local.get $end) (i32.const 8)))))
        (i64.store (i32.sub (local.get $end) (i32.const 8)) (i64.const 0))
        (local.set $bits (i32.shl (i32.add (i32.load offset=0x21808 (local.get $d)) (i32.const 1)) (i32.const 3)))
        (i32.store (i32.sub (local.get $end) (i32.const 4))
          (i32.or (i32.and (i32.rotl (local.get $bits) (i32.const 8)) (i32.const 0x00ff00ff))
                  (i32.and (i32.rotr (local.get $bits) (i32.const 8)) (i32.const 0xff00ff00))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each))))

  ;; LEAF[j] = words of SHA-256 of the padded message DESC[j], for j in [$j, $end).
  (func (export "leaves") (param $j i32) (param $end i32)
    (local $p i32) (local $n i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $p (i32.load offset=0x21800 (i32.mul (local.get $j) (i32.const 12))))
        (local.set $n (i32.load offset=0x21804 (i32.mul (local.get $j) (i32.const 12))))
        (call $copy8 (i32.const 0x100) (i32.const 0x21300))
        (loop $block
          (call $swap8 (local.get $p) (i32.const 0x21100))
          (call $swap8 (i32.add (local.get $p) (i32.const 32)) (i32.const 0x21120))
          (call $schedule (i32.const 0x21100) (i32.const 0x21200))
          (call $rounds (i32.const 0x21200) (i32.const 0x21300) (i32.const 0x21300))
          (call $copy8 (i32.const 0x120) (i32.const 0x21300))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $block (local.get $n)))
        (call $copy8 (i32.const 0x21300) (i32.add (i32.const 0x22800) (i32.shl (local.get $j) (i32.const 6))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each))))

  ;; Depth of a slot: NODE slots have theirs in DEPTHS, every other slot (leaf, first peaks) is 0.
  (func $depth (param $p i32) (result i32)
    (if (result i32) (i32.and (i32.ge_u (local.get $p) (i32.const 0x26800)) (i32.lt_u (local.get $p) (i32.const 0x2b800)))
      (then (i32.load offset=0x46000 (i32.shr_u (i32.sub (local.get $p) (i32.const 0x26800)) (i32.const 4))))
      (else (i32.const 0))))

  ;; Appends LEAF[0 .. k) to the tree of size hi * 2^32 + lo (the current size), like append but
  ;; leaving PEAKS alone: every node goes to a fresh slot (the leaf's LEAF slot, NODE for merges) and PP
  ;; tracks where the peaks are. After the j-th append PROG[j] holds PP and NP[j] the number of peaks:
  ;; the program fold and fold4 run. Merges per append: the trailing one bits of the size before it.
  ;; The merges are only recorded (OPS, sorted by depth: see merges); then ORDER lists the programs
  ;; shortest first, for fold4's lanes. A leaf that becomes a peak gets its midstate here, a merged
  ;; node in merges.
  (func (export "plan") (param $k i32) (param $lo i32) (param $hi i32)
    (local $n i64) (local $j i32) (local $m i32) (local $top i32) (local $cur i32) (local $next i32) (local $i i32)
    (local $nops i32) (local $d i32) (local $maxd i32) (local $l i32)
    (local.set $n (i64.or (i64.shl (i64.extend_i32_u (local.get $hi)) (i64.const 32)) (i64.extend_i32_u (local.get $lo))))
    (local.set $top (global.get $npeaks))
    (block $init
      (loop $each
        (br_if $init (i32.ge_u (local.get $i) (local.get $top)))
        (i32.store offset=0x21000 (i32.shl (local.get $i) (i32.const 2)) (i32.add (i32.const 0x800) (i32.shl (local.get $i) (i32.const 6))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (local.set $next (i32.const 0x26800))
    (block $done
      (loop $append
        (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
        (local.set $m (i32.wrap_i64 (i64.ctz (i64.xor (i64.add (local.get $n) (i64.extend_i32_u (local.get $j))) (i64.const -1)))))
        (if (i32.gt_u (local.get $m) (local.get $top)) (then (unreachable)))
        (local.set $cur (i32.add (i32.const 0x22800) (i32.shl (local.get $j) (i32.const 6))))
        (block $merged
          (loop $merge
            (br_if $merged (i32.eqz (local.get $m)))
            (local.set $top (i32.sub (local.get $top) (i32.const 1)))
            ;; OPS[nops] = (peak, cur, next, depth): next = node(peak, cur), hashed later by merges.
            (local.set $l (i32.load offset=0x21000 (i32.shl (local.get $top) (i32.const 2))))
            (local.set $d (call $depth (local.get $l)))
            (if (i32.gt_u (call $depth (local.get $cur)) (local.get $d)) (then (local.set $d (call $depth (local.get $cur)))))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (if (i32.gt_u (local.get $d) (local.get $maxd)) (then (local.set $maxd (local.get $d))))
            (i32.store offset=0x46000 (i32.shr_u (i32.sub (local.get $next) (i32.const 0x26800)) (i32.const 4)) (local.get $d))
            (i32.store offset=0x44000 (i32.shl (local.get $nops) (i32.const 4)) (local.get $l))
            (i32.store offset=0x44004 (i32.shl (local.get $nops) (i32.const 4)) (local.get $cur))
            (i32.store offset=0x44008 (i32.shl (local.get $nops) (i32.const 4)) (local.get $next))
            (i32.store offset=0x4400c (i32.shl (local.get $nops) (i32.const 4)) (local.get $d))
            (local.set $nops (i32.add (local.get $nops) (i32.const 1)))
            (local.set $cur (local.get $next))
            (local.set $next (i32.add (local.get $next) (i32.const 64)))
            (local.set $m (i32.sub (local.get $m) (i32.const 1)))
            (br $merge)))
        (if (i32.ge_u (local.get $top) (i32.const 64)) (then (unreachable)))
        (i32.store offset=0x21000 (i32.shl (local.get $top) (i32.const 2)) (local.get $cur))
        (local.set $top (i32.add (local.get $top) (i32.const 1)))
        ;; The new smallest peak is a left child in every later fold (a merged one: see merges).
        (if (i32.lt_u (local.get $cur) (i32.const 0x26800)) (then (call $midstate (local.get $cur))))
        (i32.store offset=0x21400 (i32.shl (local.get $j) (i32.const 2)) (local.get $top))
        (local.set $i (i32.const 0))
        (loop $copy
          (i32.store offset=0x2e000
            (i32.add (i32.shl (local.get $j) (i32.const 8)) (i32.shl (local.get $i) (i32.const 2)))
            (i32.load offset=0x21000 (i32.shl (local.get $i) (i32.const 2))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $copy (i32.lt_u (local.get $i) (local.get $top))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $append)))
    (global.set $batchPeaks (local.get $top))
    ;; OPSORDER: the merges sorted by depth (counting sort); LEVEL[d] = end of depth d's merges.
    (i32.store offset=0x467fc (i32.const 0) (local.get $maxd))
    (local.set $i (i32.const 0))
    (loop $clear
      (i32.store offset=0x46800 (i32.shl (local.get $i) (i32.const 2)) (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $clear (i32.le_u (local.get $i) (local.get $maxd))))
    (local.set $i (i32.const 0))
    (block $counted
      (loop $count
        (br_if $counted (i32.ge_u (local.get $i) (local.get $nops)))
        (local.set $d (i32.shl (i32.load offset=0x4400c (i32.shl (local.get $i) (i32.const 4))) (i32.const 2)))
        (i32.store offset=0x46800 (local.get $d) (i32.add (i32.load offset=0x46800 (local.get $d)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $count)))
    ;; LEVEL[d] = start of depth d (depth 0 has none), then each placement moves it to the end.
    (local.set $i (i32.const 1))
    (local.set $m (i32.const 0))
    (block $summed
      (loop $prefix
        (br_if $summed (i32.gt_u (local.get $i) (local.get $maxd)))
        (local.set $l (i32.load offset=0x46800 (i32.shl (local.get $i) (i32.const 2))))
        (i32.store offset=0x46800 (i32.shl (local.get $i) (i32.const 2)) (local.get $m))
        (local.set $m (i32.add (local.get $m) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $prefix)))
    (local.set $i (i32.const 0))
    (block $placed
      (loop $place
        (br_if $placed (i32.ge_u (local.get $i) (local.get $nops)))
        (local.set $d (i32.shl (i32.load offset=0x4400c (i32.shl (local.get $i) (i32.const 4))) (i32.const 2)))
        (local.set $l (i32.load offset=0x46800 (local.get $d)))
        (i32.store offset=0x45800 (i32.shl (local.get $l) (i32.const 2)) (local.get $i))
        (i32.store offset=0x46800 (local.get $d) (i32.add (local.get $l) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $place)))
    (i32.store offset=0x46800 (i32.const 0) (i32.const 0))
    ;; ORDER: 0..k-1 sorted by NP (counting sort, stable); COUNT[n] = first position for NP = n.
    (local.set $i (i32.const 0))
    (loop $clear
      (i32.store offset=0x2dd00 (i32.shl (local.get $i) (i32.const 2)) (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $clear (i32.le_u (local.get $i) (i32.const 64))))
    (local.set $j (i32.const 0))
    (block $counted
      (loop $count
        (br_if $counted (i32.ge_u (local.get $j) (local.get $k)))
        (local.set $m (i32.shl (i32.load offset=0x21400 (i32.shl (local.get $j) (i32.const 2))) (i32.const 2)))
        (i32.store offset=0x2dd00 (local.get $m) (i32.add (i32.load offset=0x2dd00 (local.get $m)) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $count)))
    (local.set $i (i32.const 0))
    (local.set $m (i32.const 0))
    (loop $prefix
      (local.set $cur (i32.load offset=0x2dd00 (i32.shl (local.get $i) (i32.const 2))))
      (i32.store offset=0x2dd00 (i32.shl (local.get $i) (i32.const 2)) (local.get $m))
      (local.set $m (i32.add (local.get $m) (local.get $cur)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $prefix (i32.le_u (local.get $i) (i32.const 64))))
    (local.set $j (i32.const 0))
    (block $placed
      (loop $place
        (br_if $placed (i32.ge_u (local.get $j) (local.get $k)))
        (local.set $m (i32.shl (i32.load offset=0x21400 (i32.shl (local.get $j) (i32.const 2))) (i32.const 2)))
        (local.set $cur (i32.load offset=0x2dd00 (local.get $m)))
        (i32.store offset=0x2d900 (i32.shl (local.get $cur) (i32.const 2)) (local.get $j))
        (i32.store offset=0x2dd00 (local.get $m) (i32.add (local.get $cur) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $place))))

  ;; Hashes the merges plan recorded, in depth order (each depth needs only smaller ones), and gives
  ;; each result its midstate. sha256x4.wat's merges4 does the same four at a time.
  (func (export "merges")
    (local $p i32) (local $end i32) (local $o i32)
    (local.set $end (i32.load offset=0x46800 (i32.shl (i32.load offset=0x467fc (i32.const 0)) (i32.const 2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $o (i32.shl (i32.load offset=0x45800 (i32.shl (local.get $p) (i32.const 2))) (i32.const 4)))
        (call $node (i32.load offset=0x44000 (local.get $o)) (i32.load offset=0x44004 (local.get $o)) (i32.load offset=0x44008 (local.get $o)))
        (call $midstate (i32.load offset=0x44008 (local.get $o)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $each))))

  ;; For sha256x4.wat: one scalar node hash, one midstate.
  (func (export "node3") (param $l i32) (param $r i32) (param $d i32)
    (call $node (local.get $l) (local.get $r) (local.get $d)))
  (func (export "midstateAt") (param $p i32)
    (call $midstate (local.get $p)))

  ;; ROOTS[j + 1] = the root of program PROG[j] (as root computes it), for j = ORDER[p], p in [$p, $end).
  (func (export "fold") (param $p i32) (param $end i32)
    (local $j i32) (local $prog i32) (local $q i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $j (i32.load offset=0x2d900 (i32.shl (local.get $p) (i32.const 2))))
        (local.set $prog (i32.add (i32.const 0x2e000) (i32.shl (local.get $j) (i32.const 8))))
        (local.set $q (i32.sub (i32.load offset=0x21400 (i32.shl (local.get $j) (i32.const 2))) (i32.const 1)))
        (if (i32.eqz (local.get $q))
          (then (call $copy8 (i32.load (local.get $prog)) (i32.const 0x1a0)))
          (else
            (local.set $q (i32.sub (local.get $q) (i32.const 1)))
            (call $node (i32.load (i32.add (local.get $prog) (i32.shl (local.get $q) (i32.const 2))))
                        (i32.load (i32.add (local.get $prog) (i32.shl (i32.add (local.get $q) (i32.const 1)) (i32.const 2))))
                        (i32.const 0x1a0))
            (block $folded
              (loop $fold
                (br_if $folded (i32.eqz (local.get $q)))
                (local.set $q (i32.sub (local.get $q) (i32.const 1)))
                (call $node (i32.load (i32.add (local.get $prog) (i32.shl (local.get $q) (i32.const 2)))) (i32.const 0x1a0) (i32.const 0x1a0))
                (br $fold)))))
        (call $swap8 (i32.const 0x1a0) (i32.add (i32.const 0x2b820) (i32.shl (local.get $j) (i32.const 5))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $each))))

  ;; The first j < $k whose EXPECT[j] is not the base64 of ROOTS[j] (the root before staged entry j),
  ;; or -1. Each root is encoded three bytes (four characters) at a time and compared as an i32.
  (func (export "compare") (param $k i32) (result i32)
    (local $j i32) (local $r i32) (local $x i32) (local $g i32) (local $c i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
        (local.set $r (i32.add (i32.const 0x2b800) (i32.shl (local.get $j) (i32.const 5))))
        (local.set $x (i32.add (i32.const 0x40000) (i32.mul (local.get $j) (i32.const 44))))
        (local.set $g (i32.const 0))
        (loop $group
          ;; c = the three bytes r[g..g+3) as a big-endian 24-bit number
          (local.set $c
            (i32.or (i32.or (i32.shl (i32.load8_u (i32.add (local.get $r) (local.get $g))) (i32.const 16))
                            (i32.shl (i32.load8_u offset=1 (i32.add (local.get $r) (local.get $g))) (i32.const 8)))
                    (i32.load8_u offset=2 (i32.add (local.get $r) (local.get $g)))))
          (if (i32.ne (i32.load (local.get $x))
                (i32.or (i32.or (i32.load8_u offset=0x12800 (i32.shr_u (local.get $c) (i32.const 18)))
                                (i32.shl (i32.load8_u offset=0x12800 (i32.and (i32.shr_u (local.get $c) (i32.const 12)) (i32.const 63))) (i32.const 8)))
                        (i32.or (i32.shl (i32.load8_u offset=0x12800 (i32.and (i32.shr_u (local.get $c) (i32.const 6)) (i32.const 63))) (i32.const 16))
                                (i32.shl (i32.load8_u offset=0x12800 (i32.and (local.get $c) (i32.const 63))) (i32.const 24)))))
            (then (return (local.get $j))))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (local.set $g (i32.add (local.get $g) (i32.const 3)))
          (br_if $group (i32.lt_u (local.get $g) (i32.const 30))))
        ;; The last two bytes: three characters and "=".
        (local.set $c
          (i32.or (i32.shl (i32.load8_u offset=30 (local.get $r)) (i32.const 16))
                  (i32.shl (i32.load8_u offset=31 (local.get $r)) (i32.const 8))))
        (if (i32.ne (i32.load (local.get $x))
              (i32.or (i32.or (i32.load8_u offset=0x12800 (i32.shr_u (local.get $c) (i32.const 18)))
                              (i32.shl (i32.load8_u offset=0x12800 (i32.and (i32.shr_u (local.get $c) (i32.const 12)) (i32.const 63))) (i32.const 8)))
                      (i32.or (i32.shl (i32.load8_u offset=0x12800 (i32.and (i32.shr_u (local.get $c) (i32.const 6)) (i32.const 63))) (i32.const 16))
                              (i32.const 0x3d000000))))
          (then (return (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each)))
    (i32.const -1))

  ;; Ends a batch of $k appends: the peaks plan left become the tree's PEAKS; ROOTS[k] is the root.
  (func (export "commit") (param $k i32)
    (local $i i32) (local $p i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (global.get $batchPeaks)))
        (local.set $p (i32.load offset=0x21000 (i32.shl (local.get $i) (i32.const 2))))
        (if (i32.ne (local.get $p) (i32.add (i32.const 0x800) (i32.shl (local.get $i) (i32.const 6))))
          (then
            (call $copy8 (local.get $p) (i32.add (i32.const 0x800) (i32.shl (local.get $i) (i32.const 6))))
            (call $copy8 (i32.add (local.get $p) (i32.const 32)) (i32.add (i32.const 0x820) (i32.shl (local.get $i) (i32.const 6))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (global.set $npeaks (global.get $batchPeaks))
    (global.set $rootAt (local.get $k))
    (global.set $rootValid (i32.const 1)))
)
