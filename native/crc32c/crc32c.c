/*
 * CRC-32C (Castagnoli) for Gregor, as a tiny Node-API addon. Loaded by src/common/crc32c.ts when it
 * has been built (native/crc32c/build.mjs); otherwise Gregor uses @node-rs/crc32, then pure JS.
 *
 * Why: every produced batch is checksummed before it is appended, and a single stream of the SSE4.2
 * crc32 instruction (what @node-rs/crc32 does) is latency-bound at 8 bytes per 3 cycles. Two faster
 * paths, chosen at load time from what the CPU and OS support:
 *   - "avx512-vpclmulqdq": carry-less multiplication folding, four 512-bit accumulators (256 bytes
 *     per step), reduced to 128 bits by folding and finished with the crc32 instruction.
 *   - "sse42-3way": three independent crc32 streams over adjacent blocks, joined by shifting the
 *     earlier stream's register over the later blocks' length (a GF(2) linear map, tabulated).
 * Where neither applies (no SSE4.2, not x86-64) the addon exports no function and the caller falls
 * back.
 *
 * Conventions: "register" is the CRC state without the pre/post inversion. In the reflected
 * representation a byte string M stands for the polynomial whose highest coefficient is bit 0 of
 * the first byte; the register after M from 0 is M(x) * x^32 mod P. A non-zero starting register is
 * the same as XORing it into the first four bytes.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GREGOR_X86 1
#include <immintrin.h>
#endif

/* x^n mod P in normal bit order (bit d = coefficient of x^d); P = x^32 + 0x1EDC6F41. */
static uint32_t xpow_mod(unsigned n) {
  uint32_t v = 1;
  while (n--) v = (v << 1) ^ ((v & 0x80000000u) ? 0x1EDC6F41u : 0);
  return v;
}

static uint32_t reverse32(uint32_t v) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i++) r |= ((v >> i) & 1u) << (31 - i);
  return r;
}

#ifdef GREGOR_X86

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* ---- three interleaved crc32 streams ---------------------------------------------------------- */

#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

/* shift_x[k][b]: the register reached from (b << 8k) after feeding X zero bytes. */
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];

__attribute__((target("sse4.2"))) static uint32_t feed_zeros(uint32_t reg, size_t n) {
  uint64_t c = reg;
  for (size_t i = 0; i < n; i += 8) c = _mm_crc32_u64(c, 0);
  return (uint32_t)c;
}

__attribute__((target("sse4.2"))) static void build_shift_table(uint32_t table[4][256], size_t zeros) {
  uint32_t basis[32];
  for (int i = 0; i < 32; i++) basis[i] = feed_zeros(1u << i, zeros);
  for (int k = 0; k < 4; k++) {
    for (int b = 0; b < 256; b++) {
      uint32_t v = 0;
      for (int i = 0; i < 8; i++)
        if (b & (1 << i)) v ^= basis[8 * k + i];
      table[k][b] = v;
    }
  }
}

static inline uint32_t shift(const uint32_t table[4][256], uint32_t reg) {
  return table[0][reg & 0xff] ^ table[1][(reg >> 8) & 0xff] ^ table[2][(reg >> 16) & 0xff] ^ table[3][reg >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t crc_3way(uint32_t reg, const uint8_t *p, size_t n) {
  uint64_t c0 = reg;
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    n--;
  }
  while (n >= 3 * LONG_BLOCK) {
    uint64_t c1 = 0, c2 = 0;
    const uint8_t *end = p + LONG_BLOCK;
    do {
      c0 = _mm_crc32_u64(c0, load64(p));
      c1 = _mm_crc32_u64(c1, load64(p + LONG_BLOCK));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * LONG_BLOCK));
      p += 8;
    } while (p < end);
    c0 = shift(shift_long, (uint32_t)c0) ^ (uint32_t)c1;
    c0 = shift(shift_long, (uint32_t)c0) ^ (uint32_t)c2;
    p += 2 * LONG_BLOCK;
    n -= 3 * LONG_BLOCK;
  }
  while (n >= 3 * SHORT_BLOCK) {
    uint64_t c1 = 0, c2 = 0;
    const uint8_t *end = p + SHORT_BLOCK;
    do {
      c0 = _mm_crc32_u64(c0, load64(p));
      c1 = _mm_crc32_u64(c1, load64(p + SHORT_BLOCK));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * SHORT_BLOCK));
      p += 8;
    } while (p < end);
    c0 = shift(shift_short, (uint32_t)c0) ^ (uint32_t)c1;
    c0 = shift(shift_short, (uint32_t)c0) ^ (uint32_t)c2;
    p += 2 * SHORT_BLOCK;
    n -= 3 * SHORT_BLOCK;
  }
  while (n >= 8) {
    c0 = _mm_crc32_u64(c0, load64(p));
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    n--;
  }
  return (uint32_t)c0;
}

/* ---- AVX-512 VPCLMULQDQ folding --------------------------------------------------------------- */

/*
 * Folding a 128-bit lane A (low qword = first 8 bytes = A_hi, high qword = A_lo) forward by D bits:
 * A * x^D = A_hi * x^(64+D) + A_lo * x^D. A 64x64 carry-less product of a reflected qword and a
 * constant stored as reverse32(K) << 32 lands one degree low in the 128-bit lane, so the constants
 * are K_hi = x^(D+63) mod P and K_lo = x^(D-1) mod P.
 */
static uint64_t fold_constant(unsigned exponent) {
  return (uint64_t)reverse32(xpow_mod(exponent)) << 32;
}

static uint64_t k_fold256[2]; /* D = 256 bytes: the main loop (four 64-byte accumulators) */
static uint64_t k_fold64[2];  /* D = 64 bytes: one accumulator into the next */
static uint64_t k_lanes[8];   /* D = 48, 32, 16 bytes: lanes 0..2 into lane 3; lane 3 keeps itself */

static void build_fold_constants(void) {
  k_fold256[0] = fold_constant(256 * 8 + 63);
  k_fold256[1] = fold_constant(256 * 8 - 1);
  k_fold64[0] = fold_constant(64 * 8 + 63);
  k_fold64[1] = fold_constant(64 * 8 - 1);
  for (int lane = 0; lane < 3; lane++) {
    unsigned d = (unsigned)(48 - 16 * lane) * 8;
    k_lanes[2 * lane] = fold_constant(d + 63);
    k_lanes[2 * lane + 1] = fold_constant(d - 1);
  }
  k_lanes[6] = 0;
  k_lanes[7] = 0;
}

#define AVX512_TARGET "avx512f,avx512bw,avx512vl,vpclmulqdq,pclmul,sse4.2"

__attribute__((target(AVX512_TARGET))) static inline __m512i fold512(__m512i x, __m512i k, __m512i next) {
  __m512i a = _mm512_clmulepi64_epi128(x, k, 0x00);
  __m512i b = _mm512_clmulepi64_epi128(x, k, 0x11);
  return _mm512_ternarylogic_epi64(a, b, next, 0x96); /* a ^ b ^ next */
}

__attribute__((target(AVX512_TARGET))) static uint32_t crc_avx512(uint32_t reg, const uint8_t *p, size_t n) {
  if (n < 512) return crc_3way(reg, p, n);
  __m512i x0 = _mm512_loadu_si512((const void *)p);
  __m512i x1 = _mm512_loadu_si512((const void *)(p + 64));
  __m512i x2 = _mm512_loadu_si512((const void *)(p + 128));
  __m512i x3 = _mm512_loadu_si512((const void *)(p + 192));
  x0 = _mm512_xor_si512(x0, _mm512_inserti32x4(_mm512_setzero_si512(), _mm_cvtsi32_si128((int)reg), 0));
  p += 256;
  n -= 256;
  const __m512i k256 = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)k_fold256[1], (long long)k_fold256[0]));
  while (n >= 256) {
    x0 = fold512(x0, k256, _mm512_loadu_si512((const void *)p));
    x1 = fold512(x1, k256, _mm512_loadu_si512((const void *)(p + 64)));
    x2 = fold512(x2, k256, _mm512_loadu_si512((const void *)(p + 128)));
    x3 = fold512(x3, k256, _mm512_loadu_si512((const void *)(p + 192)));
    p += 256;
    n -= 256;
  }
  const __m512i k64 = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)k_fold64[1], (long long)k_fold64[0]));
  x1 = fold512(x0, k64, x1);
  x2 = fold512(x1, k64, x2);
  x3 = fold512(x2, k64, x3);
  const __m512i kl = _mm512_loadu_si512((const void *)k_lanes);
  __m512i t = _mm512_xor_si512(_mm512_clmulepi64_epi128(x3, kl, 0x00), _mm512_clmulepi64_epi128(x3, kl, 0x11));
  __m128i r = _mm_xor_si128(_mm512_extracti32x4_epi32(t, 0), _mm512_extracti32x4_epi32(t, 1));
  r = _mm_xor_si128(r, _mm512_extracti32x4_epi32(t, 2));
  r = _mm_xor_si128(r, _mm512_extracti32x4_epi32(x3, 3));
  uint64_t c = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(r));
  c = _mm_crc32_u64(c, (uint64_t)_mm_extract_epi64(r, 1));
  return crc_3way((uint32_t)c, p, n);
}

#endif /* GREGOR_X86 */

typedef uint32_t (*crc_fn)(uint32_t reg, const uint8_t *p, size_t n);
static crc_fn impl = NULL;
static const char *impl_name = NULL;

static pthread_once_t chosen = PTHREAD_ONCE_INIT;

static void choose_implementation(void) {
#ifdef GREGOR_X86
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("sse4.2")) return;
  build_shift_table(shift_long, LONG_BLOCK);
  build_shift_table(shift_short, SHORT_BLOCK);
  impl = crc_3way;
  impl_name = "sse42-3way";
  /* __builtin_cpu_supports checks that the OS saves the zmm state (XCR0) for the AVX-512 features. */
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul")) {
    build_fold_constants();
    impl = crc_avx512;
    impl_name = "avx512-vpclmulqdq";
  }
#endif
}

/* crc32c(data: Uint8Array, previous?: number): number, with the usual pre/post inversion. */
static napi_value js_crc32c_with(napi_env env, napi_callback_info info, crc_fn fn) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc32c: expected a Uint8Array");
    return NULL;
  }
  uint32_t previous = 0;
  if (argc >= 2) {
    napi_valuetype vt;
    if (napi_typeof(env, argv[1], &vt) == napi_ok && vt == napi_number) napi_get_value_uint32(env, argv[1], &previous);
  }
  uint32_t result = ~fn(~previous, (const uint8_t *)data, length);
  napi_value out;
  napi_create_uint32(env, result, &out);
  return out;
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  return js_crc32c_with(env, info, impl);
}

#ifdef GREGOR_X86
/* The three-stream path alone, so tests cover it on machines that would pick the folding path. */
static napi_value js_crc32c_3way(napi_env env, napi_callback_info info) {
  return js_crc32c_with(env, info, crc_3way);
}
#endif

NAPI_MODULE_INIT() {
  pthread_once(&chosen, choose_implementation);
  if (impl == NULL) return exports;
  napi_value fn, name;
  napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, js_crc32c, NULL, &fn);
  napi_set_named_property(env, exports, "crc32c", fn);
#ifdef GREGOR_X86
  napi_create_function(env, "crc32c3way", NAPI_AUTO_LENGTH, js_crc32c_3way, NULL, &fn);
  napi_set_named_property(env, exports, "crc32c3way", fn);
#endif
  napi_create_string_utf8(env, impl_name, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, exports, "implementation", name);
  return exports;
}
