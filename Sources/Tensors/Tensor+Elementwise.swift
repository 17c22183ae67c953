import CKernels

// Elementwise arithmetic and activations. Each operation checks shapes and dtypes, then makes one
// call into a C kernel (CKernels), which runs its AVX2 clone where the CPU has one.

@inline(__always)
func checkSameLayout(_ a: Tensor, _ b: Tensor, _ op: StaticString) {
    ensure(a.shape == b.shape, "\(op): shape mismatch \(a.shape) vs \(b.shape)")
    ensure(a.dtype == b.dtype, "\(op): dtype mismatch \(a.dtype) vs \(b.dtype)")
}

@inline(__always)
func binary(_ a: Tensor, _ b: Tensor, into out: Tensor? = nil, _ op: StaticString,
            _ f32: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
            _ f64: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void) -> Tensor {
    checkSameLayout(a, b, op)
    let o = out ?? Tensor(uninitialized: a.shape, dtype: a.dtype)
    if out != nil { checkSameLayout(a, o, op) }
    switch a.dtype {
    case .float32: f32(a.f32, b.f32, o.f32, a.count)
    case .float64: f64(a.f64, b.f64, o.f64, a.count)
    }
    return o
}

@inline(__always)
func unary(_ x: Tensor, into out: Tensor? = nil, _ op: StaticString,
           _ f32: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
           _ f64: (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void) -> Tensor {
    let o = out ?? Tensor(uninitialized: x.shape, dtype: x.dtype)
    if out != nil { checkSameLayout(x, o, op) }
    switch x.dtype {
    case .float32: f32(x.f32, o.f32, x.count)
    case .float64: f64(x.f64, o.f64, x.count)
    }
    return o
}

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, "Tensor +", { sk_add_f32($0, $1, $2, $3) }, { sk_add_f64($0, $1, $2, $3) }) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, "Tensor -", { sk_sub_f32($0, $1, $2, $3) }, { sk_sub_f64($0, $1, $2, $3) }) }
    /// Elementwise (Hadamard) product.
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, "Tensor *", { sk_mul_f32($0, $1, $2, $3) }, { sk_mul_f64($0, $1, $2, $3) }) }
    /// Elementwise quotient.
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, "Tensor /", { sk_div_f32($0, $1, $2, $3) }, { sk_div_f64($0, $1, $2, $3) }) }
    public static prefix func - (x: Tensor) -> Tensor { x.scaled(by: -1) }

    /// `alpha · self + beta`, elementwise.
    public func affine(scale alpha: Double, shift beta: Double) -> Tensor {
        unary(self, "Tensor.affine", { sk_scale_add_f32($0, Float(alpha), Float(beta), $1, $2) },
              { sk_scale_add_f64($0, alpha, beta, $1, $2) })
    }

    /// `alpha · self`.
    public func scaled(by alpha: Double) -> Tensor { affine(scale: alpha, shift: 0) }

    /// `alpha · x + beta · y` in one pass.
    public static func linearCombination(_ alpha: Double, _ x: Tensor, _ beta: Double, _ y: Tensor) -> Tensor {
        checkSameLayout(x, y, "Tensor.linearCombination")
        let o = Tensor(uninitialized: x.shape, dtype: x.dtype)
        switch x.dtype {
        case .float32: sk_axpby_f32(Float(alpha), x.f32, Float(beta), y.f32, o.f32, x.count)
        case .float64: sk_axpby_f64(alpha, x.f64, beta, y.f64, o.f64, x.count)
        }
        return o
    }

    public func exp() -> Tensor { unary(self, "Tensor.exp", { sk_exp_f32($0, $1, $2) }, { sk_exp_f64($0, $1, $2) }) }
    public func log() -> Tensor { unary(self, "Tensor.log", { sk_log_f32($0, $1, $2) }, { sk_log_f64($0, $1, $2) }) }
    public func sqrt() -> Tensor { unary(self, "Tensor.sqrt", { sk_sqrt_f32($0, $1, $2) }, { sk_sqrt_f64($0, $1, $2) }) }
    public func tanh() -> Tensor { unary(self, "Tensor.tanh", { sk_tanh_f32($0, $1, $2) }, { sk_tanh_f64($0, $1, $2) }) }
    /// 1 / (1 + e^−x), computed without overflow.
    public func sigmoid() -> Tensor { unary(self, "Tensor.sigmoid", { sk_sigmoid_f32($0, $1, $2) }, { sk_sigmoid_f64($0, $1, $2) }) }
    /// g·σ(x)·(1 − σ(x)) for x = self, in one pass: sigmoid's backward rule when no graph of the
    /// gradient is recorded (bit-identical to the rule's differentiable composite, four passes).
    public func sigmoidBackward(_ g: Tensor) -> Tensor {
        binary(g, self, "Tensor.sigmoidBackward", { sk_sigmoid_backward_f32($0, $1, $2, $3) },
               { sk_sigmoid_backward_f64($0, $1, $2, $3) })
    }
    /// log(1 + eˣ), computed without overflow.
    public func softplus() -> Tensor { unary(self, "Tensor.softplus", { sk_softplus_f32($0, $1, $2) }, { sk_softplus_f64($0, $1, $2) }) }
    /// x for x > 0, eˣ − 1 otherwise.
    public func elu() -> Tensor { unary(self, "Tensor.elu", { sk_elu_f32($0, $1, $2) }, { sk_elu_f64($0, $1, $2) }) }
    /// x for x > 0, `slope`·x otherwise; `slope` 0 is ReLU.
    public func leakyRelu(slope: Double = 0) -> Tensor {
        unary(self, "Tensor.leakyRelu", { sk_leaky_relu_f32($0, Float(slope), $1, $2) }, { sk_leaky_relu_f64($0, slope, $1, $2) })
    }
    /// 1 where x > 0, else 0.
    public func step() -> Tensor { unary(self, "Tensor.step", { sk_step_f32($0, $1, $2) }, { sk_step_f64($0, $1, $2) }) }

    /// `self` where `reference` > 0, `slope`·`self` elsewhere: the backward pass of a
    /// (leaky) ReLU, given its input or its output (they have the same sign when slope ≥ 0).
    public func masked(bySignOf reference: Tensor, slope: Double) -> Tensor {
        binary(self, reference, "Tensor.masked", { sk_mask_by_sign_f32($0, $1, Float(slope), $2, $3) },
               { sk_mask_by_sign_f64($0, $1, slope, $2, $3) })
    }

    /// Each element clamped to [lo, hi] (the projection onto a box).
    public func clamped(_ lo: Double, _ hi: Double) -> Tensor {
        ensure(lo <= hi, "Tensor.clamped: empty interval [\(lo), \(hi)]")
        return unary(self, "Tensor.clamped", { sk_clamp_f32($0, Float(lo), Float(hi), $1, $2) }, { sk_clamp_f64($0, lo, hi, $1, $2) })
    }

    // MARK: In place

    /// Sets every element to `value`.
    public func fill(_ value: Double) {
        switch dtype {
        case .float32: sk_fill_f32(f32, Float(value), count)
        case .float64: sk_fill_f64(f64, value, count)
        }
    }

    /// Copies `source`'s elements into this tensor (same shape and dtype; overlap not allowed
    /// unless identical).
    public func copy(from source: Tensor) {
        ensure(source.count == count && source.dtype == dtype,
                     "Tensor.copy(from:): \(source.dtype) \(source.shape) into \(dtype) \(shape)")
        if source.address == address { return }
        address.copyMemory(from: source.address, byteCount: count * dtype.byteSize)
    }

    /// `self += alpha · x` (BLAS axpy's contract).
    public func axpy(_ alpha: Double, _ x: Tensor) {
        ensure(x.count == count && x.dtype == dtype, "Tensor.axpy: \(x.dtype) \(x.shape) into \(dtype) \(shape)")
        switch dtype {
        case .float32: sk_axpby_f32(Float(alpha), x.f32, 1, f32, f32, count)
        case .float64: sk_axpby_f64(alpha, x.f64, 1, f64, f64, count)
        }
    }

    /// `self += alpha · (a + b)` in one pass (the same bits as `a + b`, then ``axpy(_:_:)``): the
    /// update of a parameter by a gradient computed in two halves.
    public func axpy(_ alpha: Double, sumOf a: Tensor, _ b: Tensor) {
        ensure(a.count == count && b.count == count && a.dtype == dtype && b.dtype == dtype,
               "Tensor.axpy(sumOf:): \(a.dtype) \(a.shape) + \(b.dtype) \(b.shape) into \(dtype) \(shape)")
        switch dtype {
        case .float32: sk_axpy_sum_f32(Float(alpha), a.f32, b.f32, f32, count)
        case .float64: sk_axpy_sum_f64(alpha, a.f64, b.f64, f64, count)
        }
    }

    /// `self = alpha · x + beta · self`.
    public func axpby(_ alpha: Double, _ x: Tensor, _ beta: Double) {
        ensure(x.count == count && x.dtype == dtype, "Tensor.axpby: \(x.dtype) \(x.shape) into \(dtype) \(shape)")
        switch dtype {
        case .float32: sk_axpby_f32(Float(alpha), x.f32, Float(beta), f32, f32, count)
        case .float64: sk_axpby_f64(alpha, x.f64, beta, f64, f64, count)
        }
    }

    /// One Adam step (Kingma & Ba 2015, Algorithm 1) on a block, in one pass: with g = `self`,
    /// m ← (1−β₁)·g + β₁·m and v ← (1−β₂)·g² + β₂·v in place, and
    /// d = scale·((mScale·m) / (√(vScale·v) + ε)) written to `displacement` — the same bits as the
    /// tensor operations `m.axpby`, `v.axpby(g * g)`, `scaled`, `sqrt`, `affine`, `/` and `scale`
    /// in that order (each scalar rounded to the element type as they round it).
    public func adamStep(firstMoment m: Tensor, secondMoment v: Tensor, displacement d: Tensor, beta1: Double, beta2: Double,
                         mScale: Double, vScale: Double, epsilon: Double, scale: Double) {
        adamStep(m, v, d, add: false, beta1: beta1, beta2: beta2, mScale: mScale, vScale: vScale, epsilon: epsilon, scale: scale)
    }

    /// ``adamStep(firstMoment:secondMoment:displacement:beta1:beta2:mScale:vScale:epsilon:scale:)``
    /// with the displacement d added to `point` in the same pass instead of written out: the
    /// same bits as the step followed by `point.axpy(1, d)`.
    public func adamStep(firstMoment m: Tensor, secondMoment v: Tensor, moving point: Tensor, beta1: Double, beta2: Double,
                         mScale: Double, vScale: Double, epsilon: Double, scale: Double) {
        adamStep(m, v, point, add: true, beta1: beta1, beta2: beta2, mScale: mScale, vScale: vScale, epsilon: epsilon, scale: scale)
    }

    private func adamStep(_ m: Tensor, _ v: Tensor, _ d: Tensor, add: Bool, beta1: Double, beta2: Double,
                          mScale: Double, vScale: Double, epsilon: Double, scale: Double) {
        for t in [m, v, d] { ensure(t.count == count && t.dtype == dtype, "Tensor.adamStep: \(t.dtype) \(t.shape) for \(dtype) \(shape)") }
        switch dtype {
        case .float32:
            sk_adam_f32(f32, m.f32, v.f32, d.f32, count, Float(1 - beta1), Float(beta1), Float(1 - beta2), Float(beta2),
                        Float(mScale), Float(vScale), Float(epsilon), Float(scale), add ? 1 : 0)
        case .float64:
            sk_adam_f64(f64, m.f64, v.f64, d.f64, count, 1 - beta1, beta1, 1 - beta2, beta2, mScale, vScale, epsilon, scale, add ? 1 : 0)
        }
    }

    /// `self *= alpha`.
    public func scale(by alpha: Double) {
        switch dtype {
        case .float32: sk_scale_add_f32(f32, Float(alpha), 0, f32, count)
        case .float64: sk_scale_add_f64(f64, alpha, 0, f64, count)
        }
    }

    /// `self += x`.
    public func add(_ x: Tensor) {
        ensure(x.count == count && x.dtype == dtype, "Tensor.add: \(x.dtype) \(x.shape) into \(dtype) \(shape)")
        switch dtype {
        case .float32: sk_add_f32(f32, x.f32, f32, count)
        case .float64: sk_add_f64(f64, x.f64, f64, count)
        }
    }

    /// Clamps every element to [lo, hi] in place.
    public func clamp(_ lo: Double, _ hi: Double) {
        ensure(lo <= hi, "Tensor.clamp: empty interval [\(lo), \(hi)]")
        switch dtype {
        case .float32: sk_clamp_f32(f32, Float(lo), Float(hi), f32, count)
        case .float64: sk_clamp_f64(f64, lo, hi, f64, count)
        }
    }
}
