import CBLAS
import CKernels

// Matrix products through OpenBLAS, and the row/column broadcasts and sums that are their
// companions in a linear layer's forward and backward passes.

/// The matrix product op(A)·op(B), where op transposes when asked.
///
/// `a` is m×k (k×m when `transposeA`), `b` is k×n (n×k when `transposeB`); the result is m×n.
/// With `into`, the product is written to (or, with `accumulate`, added to) that m×n tensor.
/// All four transpose combinations are one BLAS call each; the backward rule of every combination
/// is again one of the four, which is what lets the autodiff differentiate its own gradients.
@discardableResult
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                   into out: Tensor? = nil, accumulate: Bool = false) -> Tensor {
    ensure(a.rank == 2 && b.rank == 2, "matmul: operands must be matrices, got \(a.shape) and \(b.shape)")
    ensure(a.dtype == b.dtype, "matmul: dtype mismatch \(a.dtype) vs \(b.dtype)")
    let m = transposeA ? a.shape[1] : a.shape[0]
    let k = transposeA ? a.shape[0] : a.shape[1]
    let kb = transposeB ? b.shape[1] : b.shape[0]
    let n = transposeB ? b.shape[0] : b.shape[1]
    ensure(k == kb, "matmul: inner dimensions differ: \(transposeA ? "\(a.shape)ᵀ" : "\(a.shape)") · \(transposeB ? "\(b.shape)ᵀ" : "\(b.shape)")")
    let c: Tensor
    if let out {
        ensure(out.shape == Shape([m, n]) && out.dtype == a.dtype,
                     "matmul: output is \(out.dtype) \(out.shape), the product is \(a.dtype) [\(m), \(n)]")
        ensure(!out.overlaps(a) && !out.overlaps(b), "matmul: the output overlaps an operand")
        c = out
    } else {
        c = Tensor(uninitialized: Shape([m, n]), dtype: a.dtype)
    }
    let beta = (out != nil && accumulate) ? 1.0 : 0.0
    FlopCounter.record(m: m, n: n, k: k)
    if m == 0 || n == 0 { return c }
    if k == 0 { if beta == 0 { c.fill(0) }; return c }
    if k <= thinProductLimit {
        outerProductSum(a, b, transposeA, transposeB, m: m, n: n, k: k, beta: beta, into: c)
    } else if n <= thinProductLimit || m <= thinProductLimit {
        matrixVectorProducts(a, b, transposeA, transposeB, m: m, n: n, k: k, beta: beta, into: c)
    } else if goesToPackFreeProduct(m: m, n: n, k: k, transposeA: transposeA, dtype: a.dtype),
              sk_gemm_f32(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a.f32, a.shape[1], b.f32, b.shape[1],
                          beta == 0 ? 0 : 1, c.f32, n) == 1 {
        // Done without packing; where sk_gemm_f32 declines (0), OpenBLAS below gives the same bits.
    } else {
        let ta = transposeA ? CblasTrans : CblasNoTrans
        let tb = transposeB ? CblasTrans : CblasNoTrans
        let lda = Int32(a.shape[1]), ldb = Int32(b.shape[1])
        switch a.dtype {
        case .float32:
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, a.f32, lda, b.f32, ldb, Float(beta), c.f32, Int32(n))
        case .float64:
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, a.f64, lda, b.f64, ldb, beta, c.f64, Int32(n))
        }
    }
    return c
}

/// Products with a dimension at most this small avoid GEMM: OpenBLAS's GEMM packs both operands
/// and zeroes C before it starts, which costs 20–35 µs on a 512×128 output whatever k, m or n is
/// (measured: K = 2, N = 1, K = 1, M = 1 shapes of the GAN step).
let thinProductLimit = 4

/// Whether `matmul` computes op(A)·op(B) of these sizes with ``sk_gemm_f32``: not a thin product
/// (every side above ``thinProductLimit``), Float32, and ``packFreeProductApplies(m:n:k:transposeA:threads:)``.
/// The one statement of that routing, which the one-pass convolution adjoint also follows.
@inline(__always)
package func goesToPackFreeProduct(m: Int, n: Int, k: Int, transposeA: Bool, dtype: DType) -> Bool {
    k > thinProductLimit && n > thinProductLimit && m > thinProductLimit && dtype == .float32
        && packFreeProductApplies(m: m, n: n, k: k, transposeA: transposeA)
}

/// Whether this CPU runs ``sk_gemm_f32`` (AVX-512).
package let packFreeProductAvailable = sk_gemm_f32_available() != 0

/// Whether a single-precision product (alpha 1) goes to ``sk_gemm_f32`` instead of OpenBLAS.
///
/// OpenBLAS packs both operands into panels on every call and zeroes C before adding to it; on
/// the 64–256-row products of a GAN step that cost 9–10% over its kernel (W5 at one thread:
/// 5.7% of the iteration in packing alone; 128×128×128 took 42 µs through OpenBLAS and 39 µs
/// through sk_gemm_f32 here, 2026-12-05). sk_gemm_f32 reads the operands where they are and
/// forms every element of C by the same chain of fused multiply–adds as OpenBLAS's
/// SkylakeX/Cooperlake kernel, so it is used only where the two agree bit for bit, measured
/// against OpenBLAS 0.3.21 on this machine (`PackFreeProductTests.agreesBitForBitWithOpenBLASWhereMatmulUsesIt`):
/// - any k: OpenBLAS splits an inner dimension longer than 320 into K blocks (SGEMM_DEFAULT_Q =
///   320) and adds their partial sums to C in order; sk_gemm_f32 forms the same blocks;
/// - op(A) transposed, or m·n·k > 100³: for smaller products without a transposed A, OpenBLAS
///   takes its small-matrix path, whose kernels sum in another order;
/// - OpenBLAS on one thread (``BLAS/threads`` = 1, Saddle's setting; with more, OpenBLAS spreads
///   large products over its own threads, which sk_gemm_f32 does not do), and an AVX-512 CPU.
/// Elsewhere OpenBLAS computes the product as before. Results depend on the CPU kind as before
/// (AVX-512 or not, and OpenBLAS's kernel for the other shapes), not on anything else.
@inline(__always)
package func packFreeProductApplies(m: Int, n: Int, k: Int, transposeA: Bool, threads: Int = BLAS.threads) -> Bool {
    packFreeProductAvailable && (transposeA || sk_sgemm_small_by_size(m, n, k) == 0) && threads == 1
}

/// op(A)·op(B) for k ≤ 4 as k outer products in one pass over C (a K = 1 product is a broadcast).
private func outerProductSum(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int,
                             beta: Double, into c: Tensor) {
    // Column p of op(A) as row p of an k×m panel; row p of op(B) as row p of a k×n panel.
    let colsA = ta ? a : a.transposed()
    let rowsB = tb ? b.transposed() : b
    switch a.dtype {
    case .float32: sk_outer_sum_f32(colsA.f32, rowsB.f32, k, m, n, Float(beta), c.f32)
    case .float64: sk_outer_sum_f64(colsA.f64, rowsB.f64, k, m, n, beta, c.f64)
    }
}

/// A matrix–vector product whose matrix has at least this many bytes is split over
/// ``BLAS/matrixVectorCores`` cores (when OpenBLAS itself runs on one thread): smaller ones take
/// less time than handing half of the work to the other core.
public let splitMatrixVectorBytes = 1 << 20

extension BLAS {
    /// How many cores (1 or 2) a large matrix–vector product y = op(A)·x uses: with 2, each core
    /// computes half of y with single-threaded OpenBLAS (rows of A, or columns for Aᵀx), through
    /// the spinning helper of ``runConcurrently(_:_:_:)``. Only while ``threads`` is 1: OpenBLAS
    /// threads its own products otherwise. Each entry of y is the same dot product either way.
    ///
    /// Why not OpenBLAS's own threads: they are woken for every product, which cost more than the
    /// product on a cache-resident matrix — W4-1000 (8 MB A) took 526 µs per iteration on one
    /// OpenBLAS thread and 633 on two (2026-11-23), where the split takes it below the one-core time.
    nonisolated(unsafe) public static var matrixVectorCores = 1
}

/// Whether a matrix–vector product (or pair) with the m-row matrix `a` is split over two cores.
private func splitsOverTwoCores(_ a: Tensor, rows m: Int, cores: Int) -> Bool {
    m >= 2 && cores >= 2 && a.count * a.dtype.byteSize >= splitMatrixVectorBytes
}

/// y = op(A)·x + β·y for a vector x (n = 1), split over two cores by the rows of y (package
/// access: tests call it directly instead of changing the process-wide settings).
package func splitMatrixVector(_ a: Tensor, _ b: Tensor, _ ta: Bool, m: Int, beta: Double, into c: Tensor) {
    let lda = Int32(a.shape[1]), incX = Int32(b.shape[1])
    let half = m / 2
    let part = { (r0: Int, r1: Int) in
        // Rows r0..<r1 of op(A): rows of A, or columns r0..<r1 of A when transposed (lda strides them).
        let rows = Int32(ta ? a.shape[0] : r1 - r0), cols = Int32(ta ? r1 - r0 : a.shape[1])
        let offset = ta ? r0 : r0 * a.shape[1]
        switch a.dtype {
        case .float32:
            cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, rows, cols, 1, a.f32 + offset, lda,
                        b.f32, incX, Float(beta), c.f32 + r0, 1)
        case .float64:
            cblas_dgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, rows, cols, 1, a.f64 + offset, lda,
                        b.f64, incX, beta, c.f64 + r0, 1)
        }
    }
    runConcurrently(true, { part(0, half) }, { part(half, m) })
}

/// A·x and Aᵀ·y for a matrix A (m × n) and vectors x (n entries) and y (m entries): a bilinear
/// game's two products, which every oracle call needs together.
///
/// One pass over A computes both (`sk_gemv_pair`: each row's dot product with x, and the row times
/// y[r] added into Aᵀy), where two matrix–vector products read A twice: a matrix–vector product
/// is bound by reading A, so the pair costs about one product. With ``BLAS/matrixVectorCores``
/// of 2 and A of at least ``splitMatrixVectorBytes``, each core takes a contiguous half of the rows
/// and the two shares of Aᵀy are added.
///
/// - Parameter cores: 1 or 2; by default ``BLAS/matrixVectorCores``.
public func matrixVectorPair(_ a: Tensor, _ x: Tensor, _ y: Tensor, cores: Int? = nil) -> (ax: Tensor, aty: Tensor) {
    ensure(a.rank == 2 && x.count == a.shape[1] && y.count == a.shape[0] && x.dtype == a.dtype && y.dtype == a.dtype,
           "matrixVectorPair: \(a.dtype) \(a.shape) with x \(x.dtype) \(x.shape) and y \(y.dtype) \(y.shape)")
    let (m, n) = (a.shape[0], a.shape[1])
    FlopCounter.record(m: m, n: 1, k: n)
    FlopCounter.record(m: n, n: 1, k: m)
    let ax = Tensor(uninitialized: [m], dtype: a.dtype)
    let shares = [Tensor(uninitialized: [n], dtype: a.dtype), Tensor(uninitialized: [n], dtype: a.dtype)]
    let rows = { (h: Int, r0: Int, r1: Int) in
        switch a.dtype {
        case .float32: sk_gemv_pair_f32(a.f32, r0, r1, n, x.f32, y.f32, ax.f32, shares[h].f32)
        case .float64: sk_gemv_pair_f64(a.f64, r0, r1, n, x.f64, y.f64, ax.f64, shares[h].f64)
        }
    }
    guard splitsOverTwoCores(a, rows: m, cores: cores ?? BLAS.matrixVectorCores) else {
        rows(0, 0, m)
        return (ax, shares[0])
    }
    runConcurrently(true, { rows(0, 0, m / 2) }, { rows(1, m / 2, m) })
    shares[0].add(shares[1])
    return (ax, shares[0])
}

/// op(A)·op(B) with n ≤ 4 (one matrix–vector product per column of C) or m ≤ 4 (one per row).
private func matrixVectorProducts(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int,
                                  beta: Double, into c: Tensor) {
    let lda = Int32(a.shape[1]), ldb = Int32(b.shape[1])
    if n == 1 && BLAS.threads == 1 && splitsOverTwoCores(a, rows: m, cores: BLAS.matrixVectorCores) {
        splitMatrixVector(a, b, ta, m: m, beta: beta, into: c)
    } else if n <= m {
        // C[:, j] = op(A) · op(B)[:, j]; op(B)[:, j] has stride ldb unless B is transposed.
        for j in 0..<n {
            let xOffset = tb ? j * b.shape[1] : j
            let incX = Int32(tb ? 1 : b.shape[1])
            switch a.dtype {
            case .float32:
                cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, Int32(a.shape[0]), Int32(a.shape[1]), 1,
                            a.f32, lda, b.f32 + xOffset, incX, Float(beta), c.f32 + j, Int32(n))
            case .float64:
                cblas_dgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, Int32(a.shape[0]), Int32(a.shape[1]), 1,
                            a.f64, lda, b.f64 + xOffset, incX, beta, c.f64 + j, Int32(n))
            }
        }
    } else {
        // C[i, :]ᵀ = op(B)ᵀ · op(A)[i, :]ᵀ; op(A)[i, :] has stride lda when A is transposed.
        for i in 0..<m {
            let xOffset = ta ? i : i * a.shape[1]
            let incX = Int32(ta ? a.shape[1] : 1)
            switch a.dtype {
            case .float32:
                cblas_sgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, Int32(b.shape[0]), Int32(b.shape[1]), 1,
                            b.f32, ldb, a.f32 + xOffset, incX, Float(beta), c.f32 + i * n, 1)
            case .float64:
                cblas_dgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, Int32(b.shape[0]), Int32(b.shape[1]), 1,
                            b.f64, ldb, a.f64 + xOffset, incX, beta, c.f64 + i * n, 1)
            }
        }
    }
}

extension Tensor {
    /// The transpose of a matrix, as a new tensor.
    public func transposed() -> Tensor {
        ensure(rank == 2, "Tensor.transposed: expected a matrix, got \(shape)")
        let r = shape[0], c = shape[1]
        let o = Tensor(uninitialized: Shape([c, r]), dtype: dtype)
        switch dtype {
        case .float32: sk_transpose_f32(f32, r, c, o.f32)
        case .float64: sk_transpose_f64(f64, r, c, o.f64)
        }
        return o
    }

    /// Adds the row vector `row` (shape [n] or [1, n]) to every row of this rows×n matrix.
    public func addingRow(_ row: Tensor) -> Tensor {
        ensure(rank == 2 && row.count == shape[1] && row.dtype == dtype,
                     "Tensor.addingRow: cannot add \(row.dtype) \(row.shape) to each row of \(dtype) \(shape)")
        let o = Tensor(uninitialized: shape, dtype: dtype)
        switch dtype {
        case .float32: sk_add_row_f32(f32, row.f32, shape[0], shape[1], o.f32)
        case .float64: sk_add_row_f64(f64, row.f64, shape[0], shape[1], o.f64)
        }
        return o
    }

    /// In place: adds `bias` (length = columns) to every row, then applies a leaky ReLU with
    /// `slope` when `leakySlope` is given — a linear layer's epilogue in one pass over memory.
    public func addBiasActivate(_ bias: Tensor, leakySlope: Double?) {
        ensure(rank == 2 && bias.count == shape[1] && bias.dtype == dtype,
                     "Tensor.addBiasActivate: bias \(bias.dtype) \(bias.shape) for \(dtype) \(shape)")
        let act: Int32 = leakySlope == nil ? 0 : 1
        switch dtype {
        case .float32: sk_bias_act_f32(f32, bias.f32, shape[0], shape[1], act, Float(leakySlope ?? 0))
        case .float64: sk_bias_act_f64(f64, bias.f64, shape[0], shape[1], act, leakySlope ?? 0)
        }
    }

    /// The column sums of a matrix, as a vector of length `columns` (shape [n]).
    /// The adjoint of ``broadcastRows(_:)``.
    public func sumRows() -> Tensor {
        ensure(rank == 2, "Tensor.sumRows: expected a matrix, got \(shape)")
        let o = Tensor(uninitialized: Shape([shape[1]]), dtype: dtype)
        switch dtype {
        case .float32: sk_sum_rows_f32(f32, shape[0], shape[1], o.f32)
        case .float64: sk_sum_rows_f64(f64, shape[0], shape[1], o.f64)
        }
        return o
    }

    /// ``masked(bySignOf:slope:)`` of a matrix and the ``sumRows()`` of the result, in one pass
    /// (the same bits as the two passes): a dense layer's backward rule needs both, the masked
    /// cotangent for its products and its column sums for the bias.
    public func maskedWithRowSum(bySignOf reference: Tensor, slope: Double) -> (masked: Tensor, rowSum: Tensor) {
        ensure(rank == 2 && reference.shape == shape && reference.dtype == dtype,
               "Tensor.maskedWithRowSum: \(dtype) \(shape) by \(reference.dtype) \(reference.shape)")
        let out = Tensor(uninitialized: shape, dtype: dtype), sums = Tensor(uninitialized: Shape([shape[1]]), dtype: dtype)
        switch dtype {
        case .float32: sk_mask_sum_rows_f32(f32, reference.f32, Float(slope), shape[0], shape[1], out.f32, sums.f32)
        case .float64: sk_mask_sum_rows_f64(f64, reference.f64, slope, shape[0], shape[1], out.f64, sums.f64)
        }
        return (out, sums)
    }

    /// The row sums of a matrix, as a column of shape [rows, 1]. The adjoint of ``broadcastColumns(_:)``.
    public func sumColumns() -> Tensor {
        ensure(rank == 2, "Tensor.sumColumns: expected a matrix, got \(shape)")
        let o = Tensor(uninitialized: Shape([shape[0], 1]), dtype: dtype)
        switch dtype {
        case .float32: sk_sum_cols_f32(f32, shape[0], shape[1], o.f32)
        case .float64: sk_sum_cols_f64(f64, shape[0], shape[1], o.f64)
        }
        return o
    }

    /// A rows×n matrix whose every row is this vector (of n elements).
    public func broadcastRows(_ rows: Int) -> Tensor {
        let n = count
        let o = Tensor(uninitialized: Shape([rows, n]), dtype: dtype)
        switch dtype {
        case .float32: sk_broadcast_rows_f32(f32, rows, n, o.f32)
        case .float64: sk_broadcast_rows_f64(f64, rows, n, o.f64)
        }
        return o
    }

    /// A rows×columns matrix whose row i is filled with element i of this column (of `rows` elements).
    public func broadcastColumns(_ columns: Int) -> Tensor {
        let r = count
        let o = Tensor(uninitialized: Shape([r, columns]), dtype: dtype)
        switch dtype {
        case .float32: sk_broadcast_cols_f32(f32, r, columns, o.f32)
        case .float64: sk_broadcast_cols_f64(f64, r, columns, o.f64)
        }
        return o
    }
}

/// ``matrixVectorPair(_:_:_:cores:)`` with the rows of A split over the ranks of `group`: rank r
/// computes rows ⌊r·m/R⌋ ..< ⌊(r+1)·m/R⌋ (its rows of Ax and its share of Aᵀy, in one pass), the
/// ranks all-gather them, and every rank adds the R shares of Aᵀy in rank order — so every rank
/// holds the same bits, and for R = 2 the bits of the two-core split in one process. A rank reads
/// only its rows of A (each rank holds all of A here; a rank could hold only its rows).
public func matrixVectorPair(_ a: Tensor, _ x: Tensor, _ y: Tensor, group: any ProcessGroup) -> (ax: Tensor, aty: Tensor) {
    guard group.size > 1 else { return matrixVectorPair(a, x, y) }
    ensure(a.rank == 2 && x.count == a.shape[1] && y.count == a.shape[0] && x.dtype == a.dtype && y.dtype == a.dtype,
           "matrixVectorPair: \(a.dtype) \(a.shape) with x \(x.dtype) \(x.shape) and y \(y.dtype) \(y.shape)")
    let (m, n, ranks) = (a.shape[0], a.shape[1], group.size)
    let bounds = (0...ranks).map { $0 * m / ranks }
    let widest = (0..<ranks).map { bounds[$0 + 1] - bounds[$0] }.max() ?? 0
    let e = a.dtype.byteSize, block = (widest + n) * e
    let (r0, r1) = (bounds[group.rank], bounds[group.rank + 1])
    FlopCounter.record(m: r1 - r0, n: 1, k: n)
    FlopCounter.record(m: n, n: 1, k: r1 - r0)
    let ax = Tensor(uninitialized: [m], dtype: a.dtype)
    let share = Tensor(uninitialized: [n], dtype: a.dtype)
    switch a.dtype {
    case .float32: sk_gemv_pair_f32(a.f32, r0, r1, n, x.f32, y.f32, ax.f32, share.f32)
    case .float64: sk_gemv_pair_f64(a.f64, r0, r1, n, x.f64, y.f64, ax.f64, share.f64)
    }
    let send = UnsafeMutableRawBufferPointer.allocate(byteCount: max(block, 1), alignment: 64)
    let receive = UnsafeMutableRawBufferPointer.allocate(byteCount: max(block * ranks, 1), alignment: 64)
    defer { send.deallocate(); receive.deallocate() }
    send.initializeMemory(as: UInt8.self, repeating: 0)
    if r1 > r0 { send.baseAddress!.copyMemory(from: ax.address + r0 * e, byteCount: (r1 - r0) * e) }
    (send.baseAddress! + widest * e).copyMemory(from: share.address, byteCount: n * e)
    group.allGather(UnsafeRawBufferPointer(start: send.baseAddress, count: block),
                    into: UnsafeMutableRawBufferPointer(start: receive.baseAddress, count: block * ranks))
    let aty = Tensor(uninitialized: [n], dtype: a.dtype)
    let part = Tensor(uninitialized: [n], dtype: a.dtype)
    for r in 0..<ranks {
        let base = receive.baseAddress! + r * block
        let rows = bounds[r + 1] - bounds[r]
        if rows > 0 { (ax.address + bounds[r] * e).copyMemory(from: base, byteCount: rows * e) }
        if r == 0 {
            aty.address.copyMemory(from: base + widest * e, byteCount: n * e)
        } else {
            part.address.copyMemory(from: base + widest * e, byteCount: n * e)
            aty.add(part)
        }
    }
    return (ax, aty)
}
