;; Four SHA-256 computations at once in WebAssembly SIMD (i32x4: lane j holds word t of hash j), for
;; FastTree's batch API (index.ts). An optional companion of sha256.wat: it imports that module's memory
;; and works on the batch area sha256.wat lays out (see there); index.ts instantiates it only when
;; WebAssembly.validate accepts it, and sha256.wat's scalar functions do the same work otherwise.
;; Compiled to wasm.ts with sha256.wat by scripts/build-wasm.mjs.
;;
;; The same algorithms as sha256.wat, vectorised: node hashes ($node4, for merges4 and fold4) start
;; from the left child's midstate and take block 2's schedule from the KW2 table (one table row per
;; lane, gathered per round); leaf hashes (leaves4) run every block of SHA-256(0x00 || line) with its
;; padding (sha256.wat's pad writes it). Lanes with less work (a fold with fewer peaks, a line with
;; fewer blocks) hash the zero block at DUMMY and keep their state through a lane mask
;; (v128.bitselect), so one lane's result never depends on another's.
;; The bodies of $rounds4 and $schedule4 are unrolled (8 rounds, 16 schedule words per iteration).
;; (This file was generated once from a small script and is maintained as text.)
;;
;; Memory used here (byte offsets; [n] counts v128 values unless said otherwise):
;;   0x20000  KV[64]     K[t] in every lane        0x20400  IVV[8]     the initial hash value
;;   0x20480  DUMMY      128 zero bytes: the block and node a finished lane reads
;;   0x20500  SW[16]     W[0..15]                  0x20600  SKW[64]    W[t] + K[t]
;;   0x20a00  SKW2[64]   block 2's W[t] + K[t]: rows 1..15 constant, the others gathered from KW2
;;   0x20e00  MID[8]     left midstates            0x20e80  ST1[8], 0x20f00 ST2[8]: states
;;   0x20f80  ACC[8]     fold accumulators (right children)
;; and, as sha256.wat lays them out: NP, PROG, ORDER (fold programs), OPS, OPSORDER, LEVEL, MAXDEPTH
;; (merges), DESC (staged lines), LEAF, ROOTS, KW2.
(module
  (import "fold" "memory" (memory 2))
  ;; sha256.wat's scalar node hash and midstate (node3(l, r, d), midstateAt(p)), for merges4's remainders.
  (import "fold" "node3" (func $node3 (param i32 i32 i32)))
  (import "fold" "midstateAt" (func $midstateAt (param i32)))

  (start $init4)

  ;; KV and IVV from sha256.wat's K and IV tables (which its start function wrote).
  (func $init4
    (local $o i32)
    (loop $k
      (v128.store offset=131072 (i32.shl (local.get $o) (i32.const 2)) (i32x4.splat (i32.load (local.get $o))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br_if $k (i32.ne (local.get $o) (i32.const 0x100))))
    (loop $iv
      (v128.store offset=131072 (i32.shl (local.get $o) (i32.const 2)) (i32x4.splat (i32.load (local.get $o))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br_if $iv (i32.ne (local.get $o) (i32.const 0x120))))
    ;; SKW2 rows 1..15: block 2's W[t] + K[t] for t = 1..15, the same for every node hash (W[t] = 0
    ;; for t = 1..14, W[15] = 520: the message length in bits); $node4 gathers only the other rows.
    (local.set $o (i32.const 4))
    (loop $k2
      (v128.store offset=133632 (i32.shl (local.get $o) (i32.const 2)) (i32x4.splat (i32.load (local.get $o))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br_if $k2 (i32.ne (local.get $o) (i32.const 60))))
    (v128.store offset=133872 (i32.const 0) (i32x4.splat (i32.add (i32.load offset=60 (i32.const 0)) (i32.const 520)))))

  ;; Given W[0..15] at SW, writes W[t] + K[t], t = 0..63, to SKW. W lives in sixteen locals; each
  ;; iteration of $sixteen replaces W[t - 16] by W[t] in $w(t mod 16) (o = 16 * (t - j)).
  ;; sigma0(x) = rotr(x, 7) ^ rotr(x, 18) ^ x >> 3, sigma1(x) = rotr(x, 17) ^ rotr(x, 19) ^ x >> 10.
  (func $schedule4
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128) (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128) (local $w9 v128) (local $w10 v128) (local $w11 v128) (local $w12 v128) (local $w13 v128) (local $w14 v128) (local $w15 v128)
    (local $o i32)
    (local.set $w0 (v128.load offset=132352 (i32.const 0)))
    (v128.store offset=132608 (i32.const 0) (i32x4.add (local.get $w0) (v128.load offset=131072 (i32.const 0))))
    (local.set $w1 (v128.load offset=132368 (i32.const 0)))
    (v128.store offset=132624 (i32.const 0) (i32x4.add (local.get $w1) (v128.load offset=131088 (i32.const 0))))
    (local.set $w2 (v128.load offset=132384 (i32.const 0)))
    (v128.store offset=132640 (i32.const 0) (i32x4.add (local.get $w2) (v128.load offset=131104 (i32.const 0))))
    (local.set $w3 (v128.load offset=132400 (i32.const 0)))
    (v128.store offset=132656 (i32.const 0) (i32x4.add (local.get $w3) (v128.load offset=131120 (i32.const 0))))
    (local.set $w4 (v128.load offset=132416 (i32.const 0)))
    (v128.store offset=132672 (i32.const 0) (i32x4.add (local.get $w4) (v128.load offset=131136 (i32.const 0))))
    (local.set $w5 (v128.load offset=132432 (i32.const 0)))
    (v128.store offset=132688 (i32.const 0) (i32x4.add (local.get $w5) (v128.load offset=131152 (i32.const 0))))
    (local.set $w6 (v128.load offset=132448 (i32.const 0)))
    (v128.store offset=132704 (i32.const 0) (i32x4.add (local.get $w6) (v128.load offset=131168 (i32.const 0))))
    (local.set $w7 (v128.load offset=132464 (i32.const 0)))
    (v128.store offset=132720 (i32.const 0) (i32x4.add (local.get $w7) (v128.load offset=131184 (i32.const 0))))
    (local.set $w8 (v128.load offset=132480 (i32.const 0)))
    (v128.store offset=132736 (i32.const 0) (i32x4.add (local.get $w8) (v128.load offset=131200 (i32.const 0))))
    (local.set $w9 (v128.load offset=132496 (i32.const 0)))
    (v128.store offset=132752 (i32.const 0) (i32x4.add (local.get $w9) (v128.load offset=131216 (i32.const 0))))
    (local.set $w10 (v128.load offset=132512 (i32.const 0)))
    (v128.store offset=132768 (i32.const 0) (i32x4.add (local.get $w10) (v128.load offset=131232 (i32.const 0))))
    (local.set $w11 (v128.load offset=132528 (i32.const 0)))
    (v128.store offset=132784 (i32.const 0) (i32x4.add (local.get $w11) (v128.load offset=131248 (i32.const 0))))
    (local.set $w12 (v128.load offset=132544 (i32.const 0)))
    (v128.store offset=132800 (i32.const 0) (i32x4.add (local.get $w12) (v128.load offset=131264 (i32.const 0))))
    (local.set $w13 (v128.load offset=132560 (i32.const 0)))
    (v128.store offset=132816 (i32.const 0) (i32x4.add (local.get $w13) (v128.load offset=131280 (i32.const 0))))
    (local.set $w14 (v128.load offset=132576 (i32.const 0)))
    (v128.store offset=132832 (i32.const 0) (i32x4.add (local.get $w14) (v128.load offset=131296 (i32.const 0))))
    (local.set $w15 (v128.load offset=132592 (i32.const 0)))
    (v128.store offset=132848 (i32.const 0) (i32x4.add (local.get $w15) (v128.load offset=131312 (i32.const 0))))
    (local.set $o (i32.const 256))
    (loop $sixteen
      (local.set $w0
        (i32x4.add
          (i32x4.add (local.get $w0) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w1) (i32.const 7)) (i32x4.shl (local.get $w1) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w1) (i32.const 18)) (i32x4.shl (local.get $w1) (i32.const 14)))) (i32x4.shr_u (local.get $w1) (i32.const 3))))
          (i32x4.add (local.get $w9) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w14) (i32.const 17)) (i32x4.shl (local.get $w14) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w14) (i32.const 19)) (i32x4.shl (local.get $w14) (i32.const 13)))) (i32x4.shr_u (local.get $w14) (i32.const 10))))))
      (v128.store offset=132608 (local.get $o) (i32x4.add (local.get $w0) (v128.load offset=131072 (local.get $o))))
      (local.set $w1
        (i32x4.add
          (i32x4.add (local.get $w1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w2) (i32.const 7)) (i32x4.shl (local.get $w2) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w2) (i32.const 18)) (i32x4.shl (local.get $w2) (i32.const 14)))) (i32x4.shr_u (local.get $w2) (i32.const 3))))
          (i32x4.add (local.get $w10) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w15) (i32.const 17)) (i32x4.shl (local.get $w15) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w15) (i32.const 19)) (i32x4.shl (local.get $w15) (i32.const 13)))) (i32x4.shr_u (local.get $w15) (i32.const 10))))))
      (v128.store offset=132624 (local.get $o) (i32x4.add (local.get $w1) (v128.load offset=131088 (local.get $o))))
      (local.set $w2
        (i32x4.add
          (i32x4.add (local.get $w2) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w3) (i32.const 7)) (i32x4.shl (local.get $w3) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w3) (i32.const 18)) (i32x4.shl (local.get $w3) (i32.const 14)))) (i32x4.shr_u (local.get $w3) (i32.const 3))))
          (i32x4.add (local.get $w11) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w0) (i32.const 17)) (i32x4.shl (local.get $w0) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w0) (i32.const 19)) (i32x4.shl (local.get $w0) (i32.const 13)))) (i32x4.shr_u (local.get $w0) (i32.const 10))))))
      (v128.store offset=132640 (local.get $o) (i32x4.add (local.get $w2) (v128.load offset=131104 (local.get $o))))
      (local.set $w3
        (i32x4.add
          (i32x4.add (local.get $w3) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w4) (i32.const 7)) (i32x4.shl (local.get $w4) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w4) (i32.const 18)) (i32x4.shl (local.get $w4) (i32.const 14)))) (i32x4.shr_u (local.get $w4) (i32.const 3))))
          (i32x4.add (local.get $w12) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w1) (i32.const 17)) (i32x4.shl (local.get $w1) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w1) (i32.const 19)) (i32x4.shl (local.get $w1) (i32.const 13)))) (i32x4.shr_u (local.get $w1) (i32.const 10))))))
      (v128.store offset=132656 (local.get $o) (i32x4.add (local.get $w3) (v128.load offset=131120 (local.get $o))))
      (local.set $w4
        (i32x4.add
          (i32x4.add (local.get $w4) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w5) (i32.const 7)) (i32x4.shl (local.get $w5) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w5) (i32.const 18)) (i32x4.shl (local.get $w5) (i32.const 14)))) (i32x4.shr_u (local.get $w5) (i32.const 3))))
          (i32x4.add (local.get $w13) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w2) (i32.const 17)) (i32x4.shl (local.get $w2) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w2) (i32.const 19)) (i32x4.shl (local.get $w2) (i32.const 13)))) (i32x4.shr_u (local.get $w2) (i32.const 10))))))
      (v128.store offset=132672 (local.get $o) (i32x4.add (local.get $w4) (v128.load offset=131136 (local.get $o))))
      (local.set $w5
        (i32x4.add
          (i32x4.add (local.get $w5) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w6) (i32.const 7)) (i32x4.shl (local.get $w6) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w6) (i32.const 18)) (i32x4.shl (local.get $w6) (i32.const 14)))) (i32x4.shr_u (local.get $w6) (i32.const 3))))
          (i32x4.add (local.get $w14) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w3) (i32.const 17)) (i32x4.shl (local.get $w3) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w3) (i32.const 19)) (i32x4.shl (local.get $w3) (i32.const 13)))) (i32x4.shr_u (local.get $w3) (i32.const 10))))))
      (v128.store offset=132688 (local.get $o) (i32x4.add (local.get $w5) (v128.load offset=131152 (local.get $o))))
      (local.set $w6
        (i32x4.add
          (i32x4.add (local.get $w6) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w7) (i32.const 7)) (i32x4.shl (local.get $w7) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w7) (i32.const 18)) (i32x4.shl (local.get $w7) (i32.const 14)))) (i32x4.shr_u (local.get $w7) (i32.const 3))))
          (i32x4.add (local.get $w15) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w4) (i32.const 17)) (i32x4.shl (local.get $w4) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w4) (i32.const 19)) (i32x4.shl (local.get $w4) (i32.const 13)))) (i32x4.shr_u (local.get $w4) (i32.const 10))))))
      (v128.store offset=132704 (local.get $o) (i32x4.add (local.get $w6) (v128.load offset=131168 (local.get $o))))
      (local.set $w7
        (i32x4.add
          (i32x4.add (local.get $w7) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w8) (i32.const 7)) (i32x4.shl (local.get $w8) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w8) (i32.const 18)) (i32x4.shl (local.get $w8) (i32.const 14)))) (i32x4.shr_u (local.get $w8) (i32.const 3))))
          (i32x4.add (local.get $w0) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w5) (i32.const 17)) (i32x4.shl (local.get $w5) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w5) (i32.const 19)) (i32x4.shl (local.get $w5) (i32.const 13)))) (i32x4.shr_u (local.get $w5) (i32.const 10))))))
      (v128.store offset=132720 (local.get $o) (i32x4.add (local.get $w7) (v128.load offset=131184 (local.get $o))))
      (local.set $w8
        (i32x4.add
          (i32x4.add (local.get $w8) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w9) (i32.const 7)) (i32x4.shl (local.get $w9) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w9) (i32.const 18)) (i32x4.shl (local.get $w9) (i32.const 14)))) (i32x4.shr_u (local.get $w9) (i32.const 3))))
          (i32x4.add (local.get $w1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w6) (i32.const 17)) (i32x4.shl (local.get $w6) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w6) (i32.const 19)) (i32x4.shl (local.get $w6) (i32.const 13)))) (i32x4.shr_u (local.get $w6) (i32.const 10))))))
      (v128.store offset=132736 (local.get $o) (i32x4.add (local.get $w8) (v128.load offset=131200 (local.get $o))))
      (local.set $w9
        (i32x4.add
          (i32x4.add (local.get $w9) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w10) (i32.const 7)) (i32x4.shl (local.get $w10) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w10) (i32.const 18)) (i32x4.shl (local.get $w10) (i32.const 14)))) (i32x4.shr_u (local.get $w10) (i32.const 3))))
          (i32x4.add (local.get $w2) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w7) (i32.const 17)) (i32x4.shl (local.get $w7) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w7) (i32.const 19)) (i32x4.shl (local.get $w7) (i32.const 13)))) (i32x4.shr_u (local.get $w7) (i32.const 10))))))
      (v128.store offset=132752 (local.get $o) (i32x4.add (local.get $w9) (v128.load offset=131216 (local.get $o))))
      (local.set $w10
        (i32x4.add
          (i32x4.add (local.get $w10) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w11) (i32.const 7)) (i32x4.shl (local.get $w11) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w11) (i32.const 18)) (i32x4.shl (local.get $w11) (i32.const 14)))) (i32x4.shr_u (local.get $w11) (i32.const 3))))
          (i32x4.add (local.get $w3) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w8) (i32.const 17)) (i32x4.shl (local.get $w8) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w8) (i32.const 19)) (i32x4.shl (local.get $w8) (i32.const 13)))) (i32x4.shr_u (local.get $w8) (i32.const 10))))))
      (v128.store offset=132768 (local.get $o) (i32x4.add (local.get $w10) (v128.load offset=131232 (local.get $o))))
      (local.set $w11
        (i32x4.add
          (i32x4.add (local.get $w11) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w12) (i32.const 7)) (i32x4.shl (local.get $w12) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w12) (i32.const 18)) (i32x4.shl (local.get $w12) (i32.const 14)))) (i32x4.shr_u (local.get $w12) (i32.const 3))))
          (i32x4.add (local.get $w4) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w9) (i32.const 17)) (i32x4.shl (local.get $w9) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w9) (i32.const 19)) (i32x4.shl (local.get $w9) (i32.const 13)))) (i32x4.shr_u (local.get $w9) (i32.const 10))))))
      (v128.store offset=132784 (local.get $o) (i32x4.add (local.get $w11) (v128.load offset=131248 (local.get $o))))
      (local.set $w12
        (i32x4.add
          (i32x4.add (local.get $w12) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w13) (i32.const 7)) (i32x4.shl (local.get $w13) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w13) (i32.const 18)) (i32x4.shl (local.get $w13) (i32.const 14)))) (i32x4.shr_u (local.get $w13) (i32.const 3))))
          (i32x4.add (local.get $w5) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w10) (i32.const 17)) (i32x4.shl (local.get $w10) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w10) (i32.const 19)) (i32x4.shl (local.get $w10) (i32.const 13)))) (i32x4.shr_u (local.get $w10) (i32.const 10))))))
      (v128.store offset=132800 (local.get $o) (i32x4.add (local.get $w12) (v128.load offset=131264 (local.get $o))))
      (local.set $w13
        (i32x4.add
          (i32x4.add (local.get $w13) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w14) (i32.const 7)) (i32x4.shl (local.get $w14) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w14) (i32.const 18)) (i32x4.shl (local.get $w14) (i32.const 14)))) (i32x4.shr_u (local.get $w14) (i32.const 3))))
          (i32x4.add (local.get $w6) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w11) (i32.const 17)) (i32x4.shl (local.get $w11) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w11) (i32.const 19)) (i32x4.shl (local.get $w11) (i32.const 13)))) (i32x4.shr_u (local.get $w11) (i32.const 10))))))
      (v128.store offset=132816 (local.get $o) (i32x4.add (local.get $w13) (v128.load offset=131280 (local.get $o))))
      (local.set $w14
        (i32x4.add
          (i32x4.add (local.get $w14) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w15) (i32.const 7)) (i32x4.shl (local.get $w15) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w15) (i32.const 18)) (i32x4.shl (local.get $w15) (i32.const 14)))) (i32x4.shr_u (local.get $w15) (i32.const 3))))
          (i32x4.add (local.get $w7) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w12) (i32.const 17)) (i32x4.shl (local.get $w12) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w12) (i32.const 19)) (i32x4.shl (local.get $w12) (i32.const 13)))) (i32x4.shr_u (local.get $w12) (i32.const 10))))))
      (v128.store offset=132832 (local.get $o) (i32x4.add (local.get $w14) (v128.load offset=131296 (local.get $o))))
      (local.set $w15
        (i32x4.add
          (i32x4.add (local.get $w15) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w0) (i32.const 7)) (i32x4.shl (local.get $w0) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w0) (i32.const 18)) (i32x4.shl (local.get $w0) (i32.const 14)))) (i32x4.shr_u (local.get $w0) (i32.const 3))))
          (i32x4.add (local.get $w8) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w13) (i32.const 17)) (i32x4.shl (local.get $w13) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w13) (i32.const 19)) (i32x4.shl (local.get $w13) (i32.const 13)))) (i32x4.shr_u (local.get $w13) (i32.const 10))))))
      (v128.store offset=132848 (local.get $o) (i32x4.add (local.get $w15) (v128.load offset=131312 (local.get $o))))
      (local.set $o (i32.add (local.get $o) (i32.const 256)))
      (br_if $sixteen (i32.ne (local.get $o) (i32.const 1024)))))

  ;; SHA-256 rounds on four states: a..h from $src, one round per W[t] + K[t] vector from $kw up to $end
  ;; (a multiple of 8 rounds); then $dst = $base + a..h. Eight rounds per iteration, rotating the roles
  ;; of a..h as sha256.wat's $rounds does. Per round:
  ;;   t1 = h + W[t] + K[t] + Ch(e, f, g) + Sigma1(e); d' = d + t1; h' = t1 + Sigma0(a) + Maj(a, b, c)
  ;; with Ch(e, f, g) = bitselect(f, g, e) and Maj(a, b, c) = bitselect(a, b, b ^ c).
  (func $rounds4 (param $kw i32) (param $end i32) (param $src i32) (param $base i32) (param $dst i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $e v128) (local $f v128) (local $g v128) (local $h v128)
    (local $t1 v128)
    (local.set $a (v128.load offset=0 (local.get $src)))
    (local.set $b (v128.load offset=16 (local.get $src)))
    (local.set $c (v128.load offset=32 (local.get $src)))
    (local.set $d (v128.load offset=48 (local.get $src)))
    (local.set $e (v128.load offset=64 (local.get $src)))
    (local.set $f (v128.load offset=80 (local.get $src)))
    (local.set $g (v128.load offset=96 (local.get $src)))
    (local.set $h (v128.load offset=112 (local.get $src)))
    (loop $eight
      ;; round 8i+0: (a b c d e f g h)
      (local.set $t1
        (i32x4.add
          (i32x4.add (i32x4.add (local.get $h) (v128.load offset=0 (local.get $kw))) (v128.bitselect (local.get $f) (local.get $g) (local.get $e)))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $e) (i32.const 6)) (i32x4.shl (local.get $e) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 11)) (i32x4.shl (local.get $e) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 25)) (i32x4.shl (local.get $e) (i32.const 7))))))
      (local.set $d (i32x4.add (local.get $d) (local.get $t1)))
      (local.set $h
        (i32x4.add (i32x4.add (local.get $t1) (v128.bitselect (local.get $a) (local.get $b) (v128.xor (local.get $b) (local.get $c))))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $a) (i32.const 2)) (i32x4.shl (local.get $a) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 13)) (i32x4.shl (local.get $a) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 22)) (i32x4.shl (local.get $a) (i32.const 10))))))
      ;; round 8i+1: (h a b c d e f g)
      (local.set $t1
        (i32x4.add
          (i32x4.add (i32x4.add (local.get $g) (v128.load offset=16 (local.get $kw))) (v128.bitselect (local.get $e) (local.get $f) (local.get $d)))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $d) (i32.const 6)) (i32x4.shl (local.get $d) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 11)) (i32x4.shl (local.get $d) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 25)) (i32x4.shl (local.get $d) (i32.const 7))))))
      (local.set $c (i32x4.add (local.get $c) (local.get $t1)))
      (local.set $g
        (i32x4.add (i32x4.add (local.get $t1) (v128.bitselect (local.get $h) (local.get $a) (v128.xor (local.get $a) (local.get $b))))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $h) (i32.const 2)) (i32x4.shl (local.get $h) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 13)) (i32x4.shl (local.get $h) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 22)) (i32x4.shl (local.get $h) (i32.const 10))))))
      ;; round 8i+2: (g h a b c d e f)
      (local.set $t1
        (i32x4.add
          (i32x4.add (i32x4.add (local.get $f) (v128.load offset=32 (local.get $kw))) (v128.bitselect (local.get $d) (local.get $e) (local.get $c)))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $c) (i32.const 6)) (i32x4.shl (local.get $c) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 11)) (i32x4.shl (local.get $c) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 25)) (i32x4.shl (local.get $c) (i32.const 7))))))
      (local.set $b (i32x4.add (local.get $b) (local.get $t1)))
      (local.set $f
        (i32x4.add (i32x4.add (local.get $t1) (v128.bitselect (local.get $g) (local.get $h) (v128.xor (local.get $h) (local.get $a))))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $g) (i32.const 2)) (i32x4.shl (local.get $g) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 13)) (i32x4.shl (local.get $g) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 22)) (i32x4.shl (local.get $g) (i32.const 10))))))
      ;; round 8i+3: (f g h a b c d e)
      (local.set $t1
        (i32x4.add
          (i32x4.add (i32x4.add (local.get $e) (v128.load offset=48 (local.get $kw))) (v128.bitselect (local.get $c) (local.get $d) (local.get $b)))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $b) (i32.const 6)) (i32x4.shl (local.get $b) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 11)) (i32x4.shl (local.get $b) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 25)) (i32x4.shl (local.get $b) (i32.const 7))))))
      (local.set $a (i32x4.add (local.get $a) (local.get $t1)))
      (local.set $e
        (i32x4.add (i32x4.add (local.get $t1) (v128.bitselect (local.get $f) (local.get $g) (v128.xor (local.get $g) (local.get $h))))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $f) (i32.const 2)) (i32x4.shl (local.get $f) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 13)) (i32x4.shl (local.get $f) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 22)) (i32x4.shl (local.get $f) (i32.const 10))))))
      ;; round 8i+4: (e f g h a b c d)
      (local.set $t1
        (i32x4.add
          (i32x4.add (i32x4.add (local.get $d) (v128.load offset=64 (local.get $kw))) (v128.bitselect (local.get $b) (local.get $c) (local.get $a)))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $a) (i32.const 6)) (i32x4.shl (local.get $a) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 11)) (i32x4.shl (local.get $a) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 25)) (i32x4.shl (local.get $a) (i32.const 7))))))
      (local.set $h (i32x4.add (local.get $h) (local.get $t1)))
      (local.set $d
        (i32x4.add (i32x4.add (local.get $t1) (v128.bitselect (local.get $e) (local.get $f) (v128.xor (local.get $f) (local.get $g))))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $e) (i32.const 2)) (i32x4.shl (local.get $e) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 13)) (i32x4.shl (local.get $e) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 22)) (i32x4.shl (local.get $e) (i32.const 10))))))
      ;; round 8i+5: (d e f g h a b c)
      (local.set $t1
        (i32x4.add
          (i32x4.add (i32x4.add (local.get $c) (v128.load offset=80 (local.get $kw))) (v128.bitselect (local.get $a) (local.get $b) (local.get $h)))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $h) (i32.const 6)) (i32x4.shl (local.get $h) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 11)) (i32x4.shl (local.get $h) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 25)) (i32x4.shl (local.get $h) (i32.const 7))))))
      (local.set $g (i32x4.add (local.get $g) (local.get $t1)))
      (local.set $c
        (i32x4.add (i32x4.add (local.get $t1) (v128.bitselect (local.get $d) (local.get $e) (v128.xor (local.get $e) (local.get $f))))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $d) (i32.const 2)) (i32x4.shl (local.get $d) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 13)) (i32x4.shl (local.get $d) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 22)) (i32x4.shl (local.get $d) (i32.const 10))))))
      ;; round 8i+6: (c d e f g h a b)
      (local.set $t1
        (i32x4.add
          (i32x4.add (i32x4.add (local.get $b) (v128.load offset=96 (local.get $kw))) (v128.bitselect (local.get $h) (local.get $a) (local.get $g)))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $g) (i32.const 6)) (i32x4.shl (local.get $g) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 11)) (i32x4.shl (local.get $g) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 25)) (i32x4.shl (local.get $g) (i32.const 7))))))
      (local.set $f (i32x4.add (local.get $f) (local.get $t1)))
      (local.set $b
        (i32x4.add (i32x4.add (local.get $t1) (v128.bitselect (local.get $c) (local.get $d) (v128.xor (local.get $d) (local.get $e))))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $c) (i32.const 2)) (i32x4.shl (local.get $c) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 13)) (i32x4.shl (local.get $c) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 22)) (i32x4.shl (local.get $c) (i32.const 10))))))
      ;; round 8i+7: (b c d e f g h a)
      (local.set $t1
        (i32x4.add
          (i32x4.add (i32x4.add (local.get $a) (v128.load offset=112 (local.get $kw))) (v128.bitselect (local.get $g) (local.get $h) (local.get $f)))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $f) (i32.const 6)) (i32x4.shl (local.get $f) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 11)) (i32x4.shl (local.get $f) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 25)) (i32x4.shl (local.get $f) (i32.const 7))))))
      (local.set $e (i32x4.add (local.get $e) (local.get $t1)))
      (local.set $a
        (i32x4.add (i32x4.add (local.get $t1) (v128.bitselect (local.get $b) (local.get $c) (v128.xor (local.get $c) (local.get $d))))
          (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $b) (i32.const 2)) (i32x4.shl (local.get $b) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 13)) (i32x4.shl (local.get $b) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 22)) (i32x4.shl (local.get $b) (i32.const 10))))))
      (local.set $kw (i32.add (local.get $kw) (i32.const 128)))
      (br_if $eight (i32.ne (local.get $kw) (local.get $end))))
    (v128.store offset=0 (local.get $dst) (i32x4.add (v128.load offset=0 (local.get $base)) (local.get $a)))
    (v128.store offset=16 (local.get $dst) (i32x4.add (v128.load offset=16 (local.get $base)) (local.get $b)))
    (v128.store offset=32 (local.get $dst) (i32x4.add (v128.load offset=32 (local.get $base)) (local.get $c)))
    (v128.store offset=48 (local.get $dst) (i32x4.add (v128.load offset=48 (local.get $base)) (local.get $d)))
    (v128.store offset=64 (local.get $dst) (i32x4.add (v128.load offset=64 (local.get $base)) (local.get $e)))
    (v128.store offset=80 (local.get $dst) (i32x4.add (v128.load offset=80 (local.get $base)) (local.get $f)))
    (v128.store offset=96 (local.get $dst) (i32x4.add (v128.load offset=96 (local.get $base)) (local.get $g)))
    (v128.store offset=112 (local.get $dst) (i32x4.add (v128.load offset=112 (local.get $base)) (local.get $h)))
  )

  ;; ST2 = four node hashes, lane i: node(left $li, right = lane i of ACC), in words. $li + 32 holds the
  ;; left child's midstate (rounds 0..7 of block 1); block 2's schedule is the KW2 row of the right
  ;; child's last byte (the low byte of ACC word 7, lane i).
  (func $node4 (param $l0 i32) (param $l1 i32) (param $l2 i32) (param $l3 i32)
    (local $k0 i32) (local $k1 i32) (local $k2 i32) (local $k3 i32) (local $o i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $x4 v128) (local $x5 v128) (local $x6 v128) (local $x7 v128)
    ;; Block 1 = 0x01 || left || acc[0..31): W from the left words x0..x7 and acc.
    (local.set $x0 (v128.load32_lane offset=0 3 (local.get $l3) (v128.load32_lane offset=0 2 (local.get $l2) (v128.load32_lane offset=0 1 (local.get $l1) (v128.load32_zero offset=0 (local.get $l0))))))
    (local.set $x1 (v128.load32_lane offset=4 3 (local.get $l3) (v128.load32_lane offset=4 2 (local.get $l2) (v128.load32_lane offset=4 1 (local.get $l1) (v128.load32_zero offset=4 (local.get $l0))))))
    (local.set $x2 (v128.load32_lane offset=8 3 (local.get $l3) (v128.load32_lane offset=8 2 (local.get $l2) (v128.load32_lane offset=8 1 (local.get $l1) (v128.load32_zero offset=8 (local.get $l0))))))
    (local.set $x3 (v128.load32_lane offset=12 3 (local.get $l3) (v128.load32_lane offset=12 2 (local.get $l2) (v128.load32_lane offset=12 1 (local.get $l1) (v128.load32_zero offset=12 (local.get $l0))))))
    (local.set $x4 (v128.load32_lane offset=16 3 (local.get $l3) (v128.load32_lane offset=16 2 (local.get $l2) (v128.load32_lane offset=16 1 (local.get $l1) (v128.load32_zero offset=16 (local.get $l0))))))
    (local.set $x5 (v128.load32_lane offset=20 3 (local.get $l3) (v128.load32_lane offset=20 2 (local.get $l2) (v128.load32_lane offset=20 1 (local.get $l1) (v128.load32_zero offset=20 (local.get $l0))))))
    (local.set $x6 (v128.load32_lane offset=24 3 (local.get $l3) (v128.load32_lane offset=24 2 (local.get $l2) (v128.load32_lane offset=24 1 (local.get $l1) (v128.load32_zero offset=24 (local.get $l0))))))
    (local.set $x7 (v128.load32_lane offset=28 3 (local.get $l3) (v128.load32_lane offset=28 2 (local.get $l2) (v128.load32_lane offset=28 1 (local.get $l1) (v128.load32_zero offset=28 (local.get $l0))))))
    (v128.store offset=132352 (i32.const 0) (v128.or (i32x4.splat (i32.const 0x01000000)) (i32x4.shr_u (local.get $x0) (i32.const 8))))
    (v128.store offset=132368 (i32.const 0) (v128.or (i32x4.shl (local.get $x0) (i32.const 24)) (i32x4.shr_u (local.get $x1) (i32.const 8))))
    (v128.store offset=132384 (i32.const 0) (v128.or (i32x4.shl (local.get $x1) (i32.const 24)) (i32x4.shr_u (local.get $x2) (i32.const 8))))
    (v128.store offset=132400 (i32.const 0) (v128.or (i32x4.shl (local.get $x2) (i32.const 24)) (i32x4.shr_u (local.get $x3) (i32.const 8))))
    (v128.store offset=132416 (i32.const 0) (v128.or (i32x4.shl (local.get $x3) (i32.const 24)) (i32x4.shr_u (local.get $x4) (i32.const 8))))
    (v128.store offset=132432 (i32.const 0) (v128.or (i32x4.shl (local.get $x4) (i32.const 24)) (i32x4.shr_u (local.get $x5) (i32.const 8))))
    (v128.store offset=132448 (i32.const 0) (v128.or (i32x4.shl (local.get $x5) (i32.const 24)) (i32x4.shr_u (local.get $x6) (i32.const 8))))
    (v128.store offset=132464 (i32.const 0) (v128.or (i32x4.shl (local.get $x6) (i32.const 24)) (i32x4.shr_u (local.get $x7) (i32.const 8))))
    (local.set $x0 (v128.load offset=135040 (i32.const 0)))
    (v128.store offset=132480 (i32.const 0) (v128.or (i32x4.shl (local.get $x7) (i32.const 24)) (i32x4.shr_u (local.get $x0) (i32.const 8))))
    (local.set $x1 (v128.load offset=135056 (i32.const 0)))
    (v128.store offset=132496 (i32.const 0) (v128.or (i32x4.shl (local.get $x0) (i32.const 24)) (i32x4.shr_u (local.get $x1) (i32.const 8))))
    (local.set $x2 (v128.load offset=135072 (i32.const 0)))
    (v128.store offset=132512 (i32.const 0) (v128.or (i32x4.shl (local.get $x1) (i32.const 24)) (i32x4.shr_u (local.get $x2) (i32.const 8))))
    (local.set $x3 (v128.load offset=135088 (i32.const 0)))
    (v128.store offset=132528 (i32.const 0) (v128.or (i32x4.shl (local.get $x2) (i32.const 24)) (i32x4.shr_u (local.get $x3) (i32.const 8))))
    (local.set $x4 (v128.load offset=135104 (i32.const 0)))
    (v128.store offset=132544 (i32.const 0) (v128.or (i32x4.shl (local.get $x3) (i32.const 24)) (i32x4.shr_u (local.get $x4) (i32.const 8))))
    (local.set $x5 (v128.load offset=135120 (i32.const 0)))
    (v128.store offset=132560 (i32.const 0) (v128.or (i32x4.shl (local.get $x4) (i32.const 24)) (i32x4.shr_u (local.get $x5) (i32.const 8))))
    (local.set $x6 (v128.load offset=135136 (i32.const 0)))
    (v128.store offset=132576 (i32.const 0) (v128.or (i32x4.shl (local.get $x5) (i32.const 24)) (i32x4.shr_u (local.get $x6) (i32.const 8))))
    (local.set $x7 (v128.load offset=135152 (i32.const 0)))
    (v128.store offset=132592 (i32.const 0) (v128.or (i32x4.shl (local.get $x6) (i32.const 24)) (i32x4.shr_u (local.get $x7) (i32.const 8))))
    (call $schedule4)
    ;; Rounds 8..63 from the left children's midstates.
    (v128.store offset=134656 (i32.const 0) (v128.load32_lane offset=32 3 (local.get $l3) (v128.load32_lane offset=32 2 (local.get $l2) (v128.load32_lane offset=32 1 (local.get $l1) (v128.load32_zero offset=32 (local.get $l0))))))
    (v128.store offset=134672 (i32.const 0) (v128.load32_lane offset=36 3 (local.get $l3) (v128.load32_lane offset=36 2 (local.get $l2) (v128.load32_lane offset=36 1 (local.get $l1) (v128.load32_zero offset=36 (local.get $l0))))))
    (v128.store offset=134688 (i32.const 0) (v128.load32_lane offset=40 3 (local.get $l3) (v128.load32_lane offset=40 2 (local.get $l2) (v128.load32_lane offset=40 1 (local.get $l1) (v128.load32_zero offset=40 (local.get $l0))))))
    (v128.store offset=134704 (i32.const 0) (v128.load32_lane offset=44 3 (local.get $l3) (v128.load32_lane offset=44 2 (local.get $l2) (v128.load32_lane offset=44 1 (local.get $l1) (v128.load32_zero offset=44 (local.get $l0))))))
    (v128.store offset=134720 (i32.const 0) (v128.load32_lane offset=48 3 (local.get $l3) (v128.load32_lane offset=48 2 (local.get $l2) (v128.load32_lane offset=48 1 (local.get $l1) (v128.load32_zero offset=48 (local.get $l0))))))
    (v128.store offset=134736 (i32.const 0) (v128.load32_lane offset=52 3 (local.get $l3) (v128.load32_lane offset=52 2 (local.get $l2) (v128.load32_lane offset=52 1 (local.get $l1) (v128.load32_zero offset=52 (local.get $l0))))))
    (v128.store offset=134752 (i32.const 0) (v128.load32_lane offset=56 3 (local.get $l3) (v128.load32_lane offset=56 2 (local.get $l2) (v128.load32_lane offset=56 1 (local.get $l1) (v128.load32_zero offset=56 (local.get $l0))))))
    (v128.store offset=134768 (i32.const 0) (v128.load32_lane offset=60 3 (local.get $l3) (v128.load32_lane offset=60 2 (local.get $l2) (v128.load32_lane offset=60 1 (local.get $l1) (v128.load32_zero offset=60 (local.get $l0))))))
    (call $rounds4 (i32.const 132736) (i32.const 133632) (i32.const 134656) (i32.const 132096) (i32.const 134784))
    ;; Block 2: the KW2 row of each lane's acc[31] (the low byte of acc word 7).
    (local.set $k0 (i32.add (i32.const 0x2000) (i32.shl (i32.and (i32.load offset=135152 (i32.const 0)) (i32.const 0xff)) (i32.const 8))))
    (local.set $k1 (i32.add (i32.const 0x2000) (i32.shl (i32.and (i32.load offset=135156 (i32.const 0)) (i32.const 0xff)) (i32.const 8))))
    (local.set $k2 (i32.add (i32.const 0x2000) (i32.shl (i32.and (i32.load offset=135160 (i32.const 0)) (i32.const 0xff)) (i32.const 8))))
    (local.set $k3 (i32.add (i32.const 0x2000) (i32.shl (i32.and (i32.load offset=135164 (i32.const 0)) (i32.const 0xff)) (i32.const 8))))
    ;; Rows 1..15 are the same in every lane (W[1..14] = 0, W[15] = 520): $init4 wrote them to SKW2.
    (v128.store offset=133632 (i32.const 0) (v128.load32_lane offset=0 3 (local.get $k3) (v128.load32_lane offset=0 2 (local.get $k2) (v128.load32_lane offset=0 1 (local.get $k1) (v128.load32_zero offset=0 (local.get $k0))))))
    (local.set $o (i32.const 64))
    (loop $gather
      (v128.store offset=133632 (i32.shl (local.get $o) (i32.const 2)) (v128.load32_lane offset=0 3 (i32.add (local.get $k3) (local.get $o)) (v128.load32_lane offset=0 2 (i32.add (local.get $k2) (local.get $o)) (v128.load32_lane offset=0 1 (i32.add (local.get $k1) (local.get $o)) (v128.load32_zero offset=0 (i32.add (local.get $k0) (local.get $o)))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br_if $gather (i32.ne (local.get $o) (i32.const 256))))
    (call $rounds4 (i32.const 133632) (i32.const 134656) (i32.const 134784) (i32.const 134784) (i32.const 134912)))

  ;; Roots of four fold programs (see sha256.wat's plan), lane i computing PROG[ORDER[p + i]]: acc = its
  ;; smallest peak, then acc = node(peak, acc) for the other peaks, smallest to largest, as
  ;; sha256.wat's fold does; writes root of program j as bytes to ROOTS[j + 1]. ORDER sorts programs by
  ;; length, so lanes mostly finish together; a lane whose program is shorter than the longest one
  ;; hashes DUMMY and keeps acc (masked).
  (func $fold4 (param $p i32)
    (local $j0 i32) (local $j1 i32) (local $j2 i32) (local $j3 i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $n3 i32)
    (local $l0 i32) (local $l1 i32) (local $l2 i32) (local $l3 i32)
    (local $t i32) (local $last i32) (local $nv v128) (local $mask v128) (local $x v128)
    (local.set $j0 (i32.load offset=186624 (i32.shl (local.get $p) (i32.const 2))))
    (local.set $p0 (i32.add (i32.const 188416) (i32.shl (local.get $j0) (i32.const 8))))
    (local.set $n0 (i32.load offset=136192 (i32.shl (local.get $j0) (i32.const 2))))
    (local.set $j1 (i32.load offset=186628 (i32.shl (local.get $p) (i32.const 2))))
    (local.set $p1 (i32.add (i32.const 188416) (i32.shl (local.get $j1) (i32.const 8))))
    (local.set $n1 (i32.load offset=136192 (i32.shl (local.get $j1) (i32.const 2))))
    (local.set $j2 (i32.load offset=186632 (i32.shl (local.get $p) (i32.const 2))))
    (local.set $p2 (i32.add (i32.const 188416) (i32.shl (local.get $j2) (i32.const 8))))
    (local.set $n2 (i32.load offset=136192 (i32.shl (local.get $j2) (i32.const 2))))
    (local.set $j3 (i32.load offset=186636 (i32.shl (local.get $p) (i32.const 2))))
    (local.set $p3 (i32.add (i32.const 188416) (i32.shl (local.get $j3) (i32.const 8))))
    (local.set $n3 (i32.load offset=136192 (i32.shl (local.get $j3) (i32.const 2))))
    (local.set $nv (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat (local.get $n0)) (local.get $n1)) (local.get $n2)) (local.get $n3)))
    ;; The longest program: the number of node hashes is its length - 1.
    (local.set $last (local.get $n0))
    (if (i32.gt_u (local.get $n1) (local.get $last)) (then (local.set $last (local.get $n1))))
    (if (i32.gt_u (local.get $n2) (local.get $last)) (then (local.set $last (local.get $n2))))
    (if (i32.gt_u (local.get $n3) (local.get $last)) (then (local.set $last (local.get $n3))))
    (local.set $last (i32.sub (local.get $last) (i32.const 1)))
    ;; acc = each lane's smallest peak.
    (local.set $l0 (i32.load (i32.add (local.get $p0) (i32.shl (i32.sub (local.get $n0) (i32.const 1)) (i32.const 2)))))
    (local.set $l1 (i32.load (i32.add (local.get $p1) (i32.shl (i32.sub (local.get $n1) (i32.const 1)) (i32.const 2)))))
    (local.set $l2 (i32.load (i32.add (local.get $p2) (i32.shl (i32.sub (local.get $n2) (i32.const 1)) (i32.const 2)))))
    (local.set $l3 (i32.load (i32.add (local.get $p3) (i32.shl (i32.sub (local.get $n3) (i32.const 1)) (i32.const 2)))))
    (v128.store offset=135040 (i32.const 0) (v128.load32_lane offset=0 3 (local.get $l3) (v128.load32_lane offset=0 2 (local.get $l2) (v128.load32_lane offset=0 1 (local.get $l1) (v128.load32_zero offset=0 (local.get $l0))))))
    (v128.store offset=135056 (i32.const 0) (v128.load32_lane offset=4 3 (local.get $l3) (v128.load32_lane offset=4 2 (local.get $l2) (v128.load32_lane offset=4 1 (local.get $l1) (v128.load32_zero offset=4 (local.get $l0))))))
    (v128.store offset=135072 (i32.const 0) (v128.load32_lane offset=8 3 (local.get $l3) (v128.load32_lane offset=8 2 (local.get $l2) (v128.load32_lane offset=8 1 (local.get $l1) (v128.load32_zero offset=8 (local.get $l0))))))
    (v128.store offset=135088 (i32.const 0) (v128.load32_lane offset=12 3 (local.get $l3) (v128.load32_lane offset=12 2 (local.get $l2) (v128.load32_lane offset=12 1 (local.get $l1) (v128.load32_zero offset=12 (local.get $l0))))))
    (v128.store offset=135104 (i32.const 0) (v128.load32_lane offset=16 3 (local.get $l3) (v128.load32_lane offset=16 2 (local.get $l2) (v128.load32_lane offset=16 1 (local.get $l1) (v128.load32_zero offset=16 (local.get $l0))))))
    (v128.store offset=135120 (i32.const 0) (v128.load32_lane offset=20 3 (local.get $l3) (v128.load32_lane offset=20 2 (local.get $l2) (v128.load32_lane offset=20 1 (local.get $l1) (v128.load32_zero offset=20 (local.get $l0))))))
    (v128.store offset=135136 (i32.const 0) (v128.load32_lane offset=24 3 (local.get $l3) (v128.load32_lane offset=24 2 (local.get $l2) (v128.load32_lane offset=24 1 (local.get $l1) (v128.load32_zero offset=24 (local.get $l0))))))
    (v128.store offset=135152 (i32.const 0) (v128.load32_lane offset=28 3 (local.get $l3) (v128.load32_lane offset=28 2 (local.get $l2) (v128.load32_lane offset=28 1 (local.get $l1) (v128.load32_zero offset=28 (local.get $l0))))))
    (block $done
      (loop $fold
        (br_if $done (i32.ge_u (local.get $t) (local.get $last)))
        ;; Lane i is active while n_i - 2 - t >= 0; its left child is then PROG[j_i][n_i - 2 - t].
        (local.set $l0
          (select
            (i32.load (i32.add (local.get $p0) (i32.shl (i32.sub (i32.sub (local.get $n0) (i32.const 2)) (local.get $t)) (i32.const 2))))
            (i32.const 132224)
            (i32.gt_s (local.get $n0) (i32.add (local.get $t) (i32.const 1)))))
        (local.set $l1
          (select
            (i32.load (i32.add (local.get $p1) (i32.shl (i32.sub (i32.sub (local.get $n1) (i32.const 2)) (local.get $t)) (i32.const 2))))
            (i32.const 132224)
            (i32.gt_s (local.get $n1) (i32.add (local.get $t) (i32.const 1)))))
        (local.set $l2
          (select
            (i32.load (i32.add (local.get $p2) (i32.shl (i32.sub (i32.sub (local.get $n2) (i32.const 2)) (local.get $t)) (i32.const 2))))
            (i32.const 132224)
            (i32.gt_s (local.get $n2) (i32.add (local.get $t) (i32.const 1)))))
        (local.set $l3
          (select
            (i32.load (i32.add (local.get $p3) (i32.shl (i32.sub (i32.sub (local.get $n3) (i32.const 2)) (local.get $t)) (i32.const 2))))
            (i32.const 132224)
            (i32.gt_s (local.get $n3) (i32.add (local.get $t) (i32.const 1)))))
        (local.set $mask (i32x4.gt_s (local.get $nv) (i32x4.splat (i32.add (local.get $t) (i32.const 1)))))
        (call $node4 (local.get $l0) (local.get $l1) (local.get $l2) (local.get $l3))
        (v128.store offset=135040 (i32.const 0) (v128.bitselect (v128.load offset=134912 (i32.const 0)) (v128.load offset=135040 (i32.const 0)) (local.get $mask)))
        (v128.store offset=135056 (i32.const 0) (v128.bitselect (v128.load offset=134928 (i32.const 0)) (v128.load offset=135056 (i32.const 0)) (local.get $mask)))
        (v128.store offset=135072 (i32.const 0) (v128.bitselect (v128.load offset=134944 (i32.const 0)) (v128.load offset=135072 (i32.const 0)) (local.get $mask)))
        (v128.store offset=135088 (i32.const 0) (v128.bitselect (v128.load offset=134960 (i32.const 0)) (v128.load offset=135088 (i32.const 0)) (local.get $mask)))
        (v128.store offset=135104 (i32.const 0) (v128.bitselect (v128.load offset=134976 (i32.const 0)) (v128.load offset=135104 (i32.const 0)) (local.get $mask)))
        (v128.store offset=135120 (i32.const 0) (v128.bitselect (v128.load offset=134992 (i32.const 0)) (v128.load offset=135120 (i32.const 0)) (local.get $mask)))
        (v128.store offset=135136 (i32.const 0) (v128.bitselect (v128.load offset=135008 (i32.const 0)) (v128.load offset=135136 (i32.const 0)) (local.get $mask)))
        (v128.store offset=135152 (i32.const 0) (v128.bitselect (v128.load offset=135024 (i32.const 0)) (v128.load offset=135152 (i32.const 0)) (local.get $mask)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $fold)))
    ;; ROOTS[j_i + 1] = bytes of lane i.
    (local.set $p0 (i32.add (i32.const 178208) (i32.shl (local.get $j0) (i32.const 5))))
    (local.set $p1 (i32.add (i32.const 178208) (i32.shl (local.get $j1) (i32.const 5))))
    (local.set $p2 (i32.add (i32.const 178208) (i32.shl (local.get $j2) (i32.const 5))))
    (local.set $p3 (i32.add (i32.const 178208) (i32.shl (local.get $j3) (i32.const 5))))
    (local.set $x (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (v128.load offset=135040 (i32.const 0)) (v128.load offset=135040 (i32.const 0))))
    (v128.store32_lane offset=0 0 (local.get $p0) (local.get $x))
    (v128.store32_lane offset=0 1 (local.get $p1) (local.get $x))
    (v128.store32_lane offset=0 2 (local.get $p2) (local.get $x))
    (v128.store32_lane offset=0 3 (local.get $p3) (local.get $x))
    (local.set $x (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (v128.load offset=135056 (i32.const 0)) (v128.load offset=135056 (i32.const 0))))
    (v128.store32_lane offset=4 0 (local.get $p0) (local.get $x))
    (v128.store32_lane offset=4 1 (local.get $p1) (local.get $x))
    (v128.store32_lane offset=4 2 (local.get $p2) (local.get $x))
    (v128.store32_lane offset=4 3 (local.get $p3) (local.get $x))
    (local.set $x (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (v128.load offset=135072 (i32.const 0)) (v128.load offset=135072 (i32.const 0))))
    (v128.store32_lane offset=8 0 (local.get $p0) (local.get $x))
    (v128.store32_lane offset=8 1 (local.get $p1) (local.get $x))
    (v128.store32_lane offset=8 2 (local.get $p2) (local.get $x))
    (v128.store32_lane offset=8 3 (local.get $p3) (local.get $x))
    (local.set $x (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (v128.load offset=135088 (i32.const 0)) (v128.load offset=135088 (i32.const 0))))
    (v128.store32_lane offset=12 0 (local.get $p0) (local.get $x))
    (v128.store32_lane offset=12 1 (local.get $p1) (local.get $x))
    (v128.store32_lane offset=12 2 (local.get $p2) (local.get $x))
    (v128.store32_lane offset=12 3 (local.get $p3) (local.get $x))
    (local.set $x (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (v128.load offset=135104 (i32.const 0)) (v128.load offset=135104 (i32.const 0))))
    (v128.store32_lane offset=16 0 (local.get $p0) (local.get $x))
    (v128.store32_lane offset=16 1 (local.get $p1) (local.get $x))
    (v128.store32_lane offset=16 2 (local.get $p2) (local.get $x))
    (v128.store32_lane offset=16 3 (local.get $p3) (local.get $x))
    (local.set $x (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (v128.load offset=135120 (i32.const 0)) (v128.load offset=135120 (i32.const 0))))
    (v128.store32_lane offset=20 0 (local.get $p0) (local.get $x))
    (v128.store32_lane offset=20 1 (local.get $p1) (local.get $x))
    (v128.store32_lane offset=20 2 (local.get $p2) (local.get $x))
    (v128.store32_lane offset=20 3 (local.get $p3) (local.get $x))
    (local.set $x (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (v128.load offset=135136 (i32.const 0)) (v128.load offset=135136 (i32.const 0))))
    (v128.store32_lane offset=24 0 (local.get $p0) (local.get $x))
    (v128.store32_lane offset=24 1 (local.get $p1) (local.get $x))
    (v128.store32_lane offset=24 2 (local.get $p2) (local.get $x))
    (v128.store32_lane offset=24 3 (local.get $p3) (local.get $x))
    (local.set $x (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (v128.load offset=135152 (i32.const 0)) (v128.load offset=135152 (i32.const 0))))
    (v128.store32_lane offset=28 0 (local.get $p0) (local.get $x))
    (v128.store32_lane offset=28 1 (local.get $p1) (local.get $x))
    (v128.store32_lane offset=28 2 (local.get $p2) (local.get $x))
    (v128.store32_lane offset=28 3 (local.get $p3) (local.get $x))
  )

  ;; sha256.wat's merges, four at a time: the merges plan recorded, one depth after the other (OPSORDER
  ;; sorted by depth, LEVEL[d - 1] .. LEVEL[d] those of depth d); within a depth they are independent.
  ;; Each depth's last (count mod 4) merges and every result's midstate go to sha256.wat.
  (func (export "merges4")
    (local $depth i32) (local $maxd i32) (local $p i32) (local $end i32) (local $start i32) (local $o i32)
    (local $l0 i32) (local $l1 i32) (local $l2 i32) (local $l3 i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $d0 i32) (local $d1 i32) (local $d2 i32) (local $d3 i32) (local $x v128)
    (local.set $maxd (i32.load offset=288764 (i32.const 0)))
    (local.set $depth (i32.const 1))
    (block $all
      (loop $level
        (br_if $all (i32.gt_u (local.get $depth) (local.get $maxd)))
        (local.set $start (i32.load offset=288764 (i32.shl (local.get $depth) (i32.const 2))))
        (local.set $end (i32.load offset=288768 (i32.shl (local.get $depth) (i32.const 2))))
        (local.set $p (local.get $start))
        (block $fours
          (loop $four
            (br_if $fours (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
            (local.set $o (i32.shl (i32.load offset=284672 (i32.shl (local.get $p) (i32.const 2))) (i32.const 4)))
            (local.set $l0 (i32.load offset=278528 (local.get $o)))
            (local.set $r0 (i32.load offset=278532 (local.get $o)))
            (local.set $d0 (i32.load offset=278536 (local.get $o)))
            (local.set $o (i32.shl (i32.load offset=284676 (i32.shl (local.get $p) (i32.const 2))) (i32.const 4)))
            (local.set $l1 (i32.load offset=278528 (local.get $o)))
            (local.set $r1 (i32.load offset=278532 (local.get $o)))
            (local.set $d1 (i32.load offset=278536 (local.get $o)))
            (local.set $o (i32.shl (i32.load offset=284680 (i32.shl (local.get $p) (i32.const 2))) (i32.const 4)))
            (local.set $l2 (i32.load offset=278528 (local.get $o)))
            (local.set $r2 (i32.load offset=278532 (local.get $o)))
            (local.set $d2 (i32.load offset=278536 (local.get $o)))
            (local.set $o (i32.shl (i32.load offset=284684 (i32.shl (local.get $p) (i32.const 2))) (i32.const 4)))
            (local.set $l3 (i32.load offset=278528 (local.get $o)))
            (local.set $r3 (i32.load offset=278532 (local.get $o)))
            (local.set $d3 (i32.load offset=278536 (local.get $o)))
            (v128.store offset=135040 (i32.const 0) (v128.load32_lane offset=0 3 (local.get $r3) (v128.load32_lane offset=0 2 (local.get $r2) (v128.load32_lane offset=0 1 (local.get $r1) (v128.load32_zero offset=0 (local.get $r0))))))
            (v128.store offset=135056 (i32.const 0) (v128.load32_lane offset=4 3 (local.get $r3) (v128.load32_lane offset=4 2 (local.get $r2) (v128.load32_lane offset=4 1 (local.get $r1) (v128.load32_zero offset=4 (local.get $r0))))))
            (v128.store offset=135072 (i32.const 0) (v128.load32_lane offset=8 3 (local.get $r3) (v128.load32_lane offset=8 2 (local.get $r2) (v128.load32_lane offset=8 1 (local.get $r1) (v128.load32_zero offset=8 (local.get $r0))))))
            (v128.store offset=135088 (i32.const 0) (v128.load32_lane offset=12 3 (local.get $r3) (v128.load32_lane offset=12 2 (local.get $r2) (v128.load32_lane offset=12 1 (local.get $r1) (v128.load32_zero offset=12 (local.get $r0))))))
            (v128.store offset=135104 (i32.const 0) (v128.load32_lane offset=16 3 (local.get $r3) (v128.load32_lane offset=16 2 (local.get $r2) (v128.load32_lane offset=16 1 (local.get $r1) (v128.load32_zero offset=16 (local.get $r0))))))
            (v128.store offset=135120 (i32.const 0) (v128.load32_lane offset=20 3 (local.get $r3) (v128.load32_lane offset=20 2 (local.get $r2) (v128.load32_lane offset=20 1 (local.get $r1) (v128.load32_zero offset=20 (local.get $r0))))))
            (v128.store offset=135136 (i32.const 0) (v128.load32_lane offset=24 3 (local.get $r3) (v128.load32_lane offset=24 2 (local.get $r2) (v128.load32_lane offset=24 1 (local.get $r1) (v128.load32_zero offset=24 (local.get $r0))))))
            (v128.store offset=135152 (i32.const 0) (v128.load32_lane offset=28 3 (local.get $r3) (v128.load32_lane offset=28 2 (local.get $r2) (v128.load32_lane offset=28 1 (local.get $r1) (v128.load32_zero offset=28 (local.get $r0))))))
            (call $node4 (local.get $l0) (local.get $l1) (local.get $l2) (local.get $l3))
            (local.set $x (v128.load offset=134912 (i32.const 0)))
            (v128.store32_lane offset=0 0 (local.get $d0) (local.get $x))
            (v128.store32_lane offset=0 1 (local.get $d1) (local.get $x))
            (v128.store32_lane offset=0 2 (local.get $d2) (local.get $x))
            (v128.store32_lane offset=0 3 (local.get $d3) (local.get $x))
            (local.set $x (v128.load offset=134928 (i32.const 0)))
            (v128.store32_lane offset=4 0 (local.get $d0) (local.get $x))
            (v128.store32_lane offset=4 1 (local.get $d1) (local.get $x))
            (v128.store32_lane offset=4 2 (local.get $d2) (local.get $x))
            (v128.store32_lane offset=4 3 (local.get $d3) (local.get $x))
            (local.set $x (v128.load offset=134944 (i32.const 0)))
            (v128.store32_lane offset=8 0 (local.get $d0) (local.get $x))
            (v128.store32_lane offset=8 1 (local.get $d1) (local.get $x))
            (v128.store32_lane offset=8 2 (local.get $d2) (local.get $x))
            (v128.store32_lane offset=8 3 (local.get $d3) (local.get $x))
            (local.set $x (v128.load offset=134960 (i32.const 0)))
            (v128.store32_lane offset=12 0 (local.get $d0) (local.get $x))
            (v128.store32_lane offset=12 1 (local.get $d1) (local.get $x))
            (v128.store32_lane offset=12 2 (local.get $d2) (local.get $x))
            (v128.store32_lane offset=12 3 (local.get $d3) (local.get $x))
            (local.set $x (v128.load offset=134976 (i32.const 0)))
            (v128.store32_lane offset=16 0 (local.get $d0) (local.get $x))
            (v128.store32_lane offset=16 1 (local.get $d1) (local.get $x))
            (v128.store32_lane offset=16 2 (local.get $d2) (local.get $x))
            (v128.store32_lane offset=16 3 (local.get $d3) (local.get $x))
            (local.set $x (v128.load offset=134992 (i32.const 0)))
            (v128.store32_lane offset=20 0 (local.get $d0) (local.get $x))
            (v128.store32_lane offset=20 1 (local.get $d1) (local.get $x))
            (v128.store32_lane offset=20 2 (local.get $d2) (local.get $x))
            (v128.store32_lane offset=20 3 (local.get $d3) (local.get $x))
            (local.set $x (v128.load offset=135008 (i32.const 0)))
            (v128.store32_lane offset=24 0 (local.get $d0) (local.get $x))
            (v128.store32_lane offset=24 1 (local.get $d1) (local.get $x))
            (v128.store32_lane offset=24 2 (local.get $d2) (local.get $x))
            (v128.store32_lane offset=24 3 (local.get $d3) (local.get $x))
            (local.set $x (v128.load offset=135024 (i32.const 0)))
            (v128.store32_lane offset=28 0 (local.get $d0) (local.get $x))
            (v128.store32_lane offset=28 1 (local.get $d1) (local.get $x))
            (v128.store32_lane offset=28 2 (local.get $d2) (local.get $x))
            (v128.store32_lane offset=28 3 (local.get $d3) (local.get $x))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $four)))
        (block $rest
          (loop $one
            (br_if $rest (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $o (i32.shl (i32.load offset=284672 (i32.shl (local.get $p) (i32.const 2))) (i32.const 4)))
            (call $node3 (i32.load offset=278528 (local.get $o)) (i32.load offset=278532 (local.get $o)) (i32.load offset=278536 (local.get $o)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $one)))
        ;; Midstates: the results are left children of deeper merges and of folds.
        (local.set $p (local.get $start))
        (block $mids
          (loop $mid
            (br_if $mids (i32.ge_u (local.get $p) (local.get $end)))
            (call $midstateAt (i32.load offset=278536 (i32.shl (i32.load offset=284672 (i32.shl (local.get $p) (i32.const 2))) (i32.const 4))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $mid)))
        (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
        (br $level))))

  ;; Leaf hashes of the staged lines DESC[j .. j+4) (padded by sha256.wat's pad), lane i hashing line
  ;; j + i: every 64-byte block of its padded message from IV on; writes the hashes as words to LEAF[j + i].
  ;; A lane with fewer blocks than the longest line hashes DUMMY and keeps its state (masked).
  (func $leaves4 (param $j i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $n3 i32)
    (local $l0 i32) (local $l1 i32) (local $l2 i32) (local $l3 i32)
    (local $b i32) (local $last i32) (local $nv v128) (local $mask v128) (local $o i32) (local $x v128)
    (local.set $p0 (i32.load offset=137216 (i32.mul (i32.add (local.get $j) (i32.const 0)) (i32.const 12))))
    (local.set $n0 (i32.load offset=137220 (i32.mul (i32.add (local.get $j) (i32.const 0)) (i32.const 12))))
    (local.set $p1 (i32.load offset=137216 (i32.mul (i32.add (local.get $j) (i32.const 1)) (i32.const 12))))
    (local.set $n1 (i32.load offset=137220 (i32.mul (i32.add (local.get $j) (i32.const 1)) (i32.const 12))))
    (local.set $p2 (i32.load offset=137216 (i32.mul (i32.add (local.get $j) (i32.const 2)) (i32.const 12))))
    (local.set $n2 (i32.load offset=137220 (i32.mul (i32.add (local.get $j) (i32.const 2)) (i32.const 12))))
    (local.set $p3 (i32.load offset=137216 (i32.mul (i32.add (local.get $j) (i32.const 3)) (i32.const 12))))
    (local.set $n3 (i32.load offset=137220 (i32.mul (i32.add (local.get $j) (i32.const 3)) (i32.const 12))))
    (local.set $nv (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat (local.get $n0)) (local.get $n1)) (local.get $n2)) (local.get $n3)))
    (local.set $last (local.get $n0))
    (if (i32.gt_u (local.get $n1) (local.get $last)) (then (local.set $last (local.get $n1))))
    (if (i32.gt_u (local.get $n2) (local.get $last)) (then (local.set $last (local.get $n2))))
    (if (i32.gt_u (local.get $n3) (local.get $last)) (then (local.set $last (local.get $n3))))
    (v128.store offset=134784 (i32.const 0) (v128.load offset=132096 (i32.const 0)))
    (v128.store offset=134800 (i32.const 0) (v128.load offset=132112 (i32.const 0)))
    (v128.store offset=134816 (i32.const 0) (v128.load offset=132128 (i32.const 0)))
    (v128.store offset=134832 (i32.const 0) (v128.load offset=132144 (i32.const 0)))
    (v128.store offset=134848 (i32.const 0) (v128.load offset=132160 (i32.const 0)))
    (v128.store offset=134864 (i32.const 0) (v128.load offset=132176 (i32.const 0)))
    (v128.store offset=134880 (i32.const 0) (v128.load offset=132192 (i32.const 0)))
    (v128.store offset=134896 (i32.const 0) (v128.load offset=132208 (i32.const 0)))
    (local.set $b (i32.const 0))
    (loop $block
      ;; Lane i reads block b of its line while b < n_i, DUMMY after.
      (local.set $l0 (select (i32.add (local.get $p0) (i32.shl (local.get $b) (i32.const 6))) (i32.const 132224) (i32.gt_u (local.get $n0) (local.get $b))))
      (local.set $l1 (select (i32.add (local.get $p1) (i32.shl (local.get $b) (i32.const 6))) (i32.const 132224) (i32.gt_u (local.get $n1) (local.get $b))))
      (local.set $l2 (select (i32.add (local.get $p2) (i32.shl (local.get $b) (i32.const 6))) (i32.const 132224) (i32.gt_u (local.get $n2) (local.get $b))))
      (local.set $l3 (select (i32.add (local.get $p3) (i32.shl (local.get $b) (i32.const 6))) (i32.const 132224) (i32.gt_u (local.get $n3) (local.get $b))))
      (local.set $mask (i32x4.gt_s (local.get $nv) (i32x4.splat (local.get $b))))
      (local.set $x (v128.load32_lane offset=0 3 (local.get $l3) (v128.load32_lane offset=0 2 (local.get $l2) (v128.load32_lane offset=0 1 (local.get $l1) (v128.load32_zero offset=0 (local.get $l0))))))
      (v128.store offset=132352 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=4 3 (local.get $l3) (v128.load32_lane offset=4 2 (local.get $l2) (v128.load32_lane offset=4 1 (local.get $l1) (v128.load32_zero offset=4 (local.get $l0))))))
      (v128.store offset=132368 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=8 3 (local.get $l3) (v128.load32_lane offset=8 2 (local.get $l2) (v128.load32_lane offset=8 1 (local.get $l1) (v128.load32_zero offset=8 (local.get $l0))))))
      (v128.store offset=132384 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=12 3 (local.get $l3) (v128.load32_lane offset=12 2 (local.get $l2) (v128.load32_lane offset=12 1 (local.get $l1) (v128.load32_zero offset=12 (local.get $l0))))))
      (v128.store offset=132400 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=16 3 (local.get $l3) (v128.load32_lane offset=16 2 (local.get $l2) (v128.load32_lane offset=16 1 (local.get $l1) (v128.load32_zero offset=16 (local.get $l0))))))
      (v128.store offset=132416 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=20 3 (local.get $l3) (v128.load32_lane offset=20 2 (local.get $l2) (v128.load32_lane offset=20 1 (local.get $l1) (v128.load32_zero offset=20 (local.get $l0))))))
      (v128.store offset=132432 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=24 3 (local.get $l3) (v128.load32_lane offset=24 2 (local.get $l2) (v128.load32_lane offset=24 1 (local.get $l1) (v128.load32_zero offset=24 (local.get $l0))))))
      (v128.store offset=132448 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=28 3 (local.get $l3) (v128.load32_lane offset=28 2 (local.get $l2) (v128.load32_lane offset=28 1 (local.get $l1) (v128.load32_zero offset=28 (local.get $l0))))))
      (v128.store offset=132464 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=32 3 (local.get $l3) (v128.load32_lane offset=32 2 (local.get $l2) (v128.load32_lane offset=32 1 (local.get $l1) (v128.load32_zero offset=32 (local.get $l0))))))
      (v128.store offset=132480 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=36 3 (local.get $l3) (v128.load32_lane offset=36 2 (local.get $l2) (v128.load32_lane offset=36 1 (local.get $l1) (v128.load32_zero offset=36 (local.get $l0))))))
      (v128.store offset=132496 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=40 3 (local.get $l3) (v128.load32_lane offset=40 2 (local.get $l2) (v128.load32_lane offset=40 1 (local.get $l1) (v128.load32_zero offset=40 (local.get $l0))))))
      (v128.store offset=132512 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=44 3 (local.get $l3) (v128.load32_lane offset=44 2 (local.get $l2) (v128.load32_lane offset=44 1 (local.get $l1) (v128.load32_zero offset=44 (local.get $l0))))))
      (v128.store offset=132528 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=48 3 (local.get $l3) (v128.load32_lane offset=48 2 (local.get $l2) (v128.load32_lane offset=48 1 (local.get $l1) (v128.load32_zero offset=48 (local.get $l0))))))
      (v128.store offset=132544 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=52 3 (local.get $l3) (v128.load32_lane offset=52 2 (local.get $l2) (v128.load32_lane offset=52 1 (local.get $l1) (v128.load32_zero offset=52 (local.get $l0))))))
      (v128.store offset=132560 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=56 3 (local.get $l3) (v128.load32_lane offset=56 2 (local.get $l2) (v128.load32_lane offset=56 1 (local.get $l1) (v128.load32_zero offset=56 (local.get $l0))))))
      (v128.store offset=132576 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (local.set $x (v128.load32_lane offset=60 3 (local.get $l3) (v128.load32_lane offset=60 2 (local.get $l2) (v128.load32_lane offset=60 1 (local.get $l1) (v128.load32_zero offset=60 (local.get $l0))))))
      (v128.store offset=132592 (i32.const 0) (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $x) (local.get $x)))
      (call $schedule4)
      (call $rounds4 (i32.const 132608) (i32.const 133632) (i32.const 134784) (i32.const 134784) (i32.const 134912))
      (v128.store offset=134784 (i32.const 0) (v128.bitselect (v128.load offset=134912 (i32.const 0)) (v128.load offset=134784 (i32.const 0)) (local.get $mask)))
      (v128.store offset=134800 (i32.const 0) (v128.bitselect (v128.load offset=134928 (i32.const 0)) (v128.load offset=134800 (i32.const 0)) (local.get $mask)))
      (v128.store offset=134816 (i32.const 0) (v128.bitselect (v128.load offset=134944 (i32.const 0)) (v128.load offset=134816 (i32.const 0)) (local.get $mask)))
      (v128.store offset=134832 (i32.const 0) (v128.bitselect (v128.load offset=134960 (i32.const 0)) (v128.load offset=134832 (i32.const 0)) (local.get $mask)))
      (v128.store offset=134848 (i32.const 0) (v128.bitselect (v128.load offset=134976 (i32.const 0)) (v128.load offset=134848 (i32.const 0)) (local.get $mask)))
      (v128.store offset=134864 (i32.const 0) (v128.bitselect (v128.load offset=134992 (i32.const 0)) (v128.load offset=134864 (i32.const 0)) (local.get $mask)))
      (v128.store offset=134880 (i32.const 0) (v128.bitselect (v128.load offset=135008 (i32.const 0)) (v128.load offset=134880 (i32.const 0)) (local.get $mask)))
      (v128.store offset=134896 (i32.const 0) (v128.bitselect (v128.load offset=135024 (i32.const 0)) (v128.load offset=134896 (i32.const 0)) (local.get $mask)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br_if $block (i32.lt_u (local.get $b) (local.get $last))))
    (local.set $o (i32.add (i32.const 141312) (i32.shl (local.get $j) (i32.const 6))))
    (local.set $x (v128.load offset=134784 (i32.const 0)))
    (v128.store32_lane offset=0 0 (local.get $o) (local.get $x))
    (v128.store32_lane offset=64 1 (local.get $o) (local.get $x))
    (v128.store32_lane offset=128 2 (local.get $o) (local.get $x))
    (v128.store32_lane offset=192 3 (local.get $o) (local.get $x))
    (local.set $x (v128.load offset=134800 (i32.const 0)))
    (v128.store32_lane offset=4 0 (local.get $o) (local.get $x))
    (v128.store32_lane offset=68 1 (local.get $o) (local.get $x))
    (v128.store32_lane offset=132 2 (local.get $o) (local.get $x))
    (v128.store32_lane offset=196 3 (local.get $o) (local.get $x))
    (local.set $x (v128.load offset=134816 (i32.const 0)))
    (v128.store32_lane offset=8 0 (local.get $o) (local.get $x))
    (v128.store32_lane offset=72 1 (local.get $o) (local.get $x))
    (v128.store32_lane offset=136 2 (local.get $o) (local.get $x))
    (v128.store32_lane offset=200 3 (local.get $o) (local.get $x))
    (local.set $x (v128.load offset=134832 (i32.const 0)))
    (v128.store32_lane offset=12 0 (local.get $o) (local.get $x))
    (v128.store32_lane offset=76 1 (local.get $o) (local.get $x))
    (v128.store32_lane offset=140 2 (local.get $o) (local.get $x))
    (v128.store32_lane offset=204 3 (local.get $o) (local.get $x))
    (local.set $x (v128.load offset=134848 (i32.const 0)))
    (v128.store32_lane offset=16 0 (local.get $o) (local.get $x))
    (v128.store32_lane offset=80 1 (local.get $o) (local.get $x))
    (v128.store32_lane offset=144 2 (local.get $o) (local.get $x))
    (v128.store32_lane offset=208 3 (local.get $o) (local.get $x))
    (local.set $x (v128.load offset=134864 (i32.const 0)))
    (v128.store32_lane offset=20 0 (local.get $o) (local.get $x))
    (v128.store32_lane offset=84 1 (local.get $o) (local.get $x))
    (v128.store32_lane offset=148 2 (local.get $o) (local.get $x))
    (v128.store32_lane offset=212 3 (local.get $o) (local.get $x))
    (local.set $x (v128.load offset=134880 (i32.const 0)))
    (v128.store32_lane offset=24 0 (local.get $o) (local.get $x))
    (v128.store32_lane offset=88 1 (local.get $o) (local.get $x))
    (v128.store32_lane offset=152 2 (local.get $o) (local.get $x))
    (v128.store32_lane offset=216 3 (local.get $o) (local.get $x))
    (local.set $x (v128.load offset=134896 (i32.const 0)))
    (v128.store32_lane offset=28 0 (local.get $o) (local.get $x))
    (v128.store32_lane offset=92 1 (local.get $o) (local.get $x))
    (v128.store32_lane offset=156 2 (local.get $o) (local.get $x))
    (v128.store32_lane offset=220 3 (local.get $o) (local.get $x))
  )

  ;; fold4/leaves4(p, end): the above for p, p + 4, ... while a whole group fits before end; return the
  ;; first index not done (sha256.wat's scalar fold and leaves do the rest). fold4's p and end are
  ;; positions in ORDER; leaves4's are indices of staged lines.
  (func (export "fold4") (param $j i32) (param $end i32) (result i32)
    (block $done
      (loop $each
        (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $end)))
        (call $fold4 (local.get $j))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $each)))
    (local.get $j))

  (func (export "leaves4") (param $j i32) (param $end i32) (result i32)
    (block $done
      (loop $each
        (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $end)))
        (call $leaves4 (local.get $j))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $each)))
    (local.get $j))
)
