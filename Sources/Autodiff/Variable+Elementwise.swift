import Tensors

// Elementwise functions and activations. Smooth ones differentiate through their own
// derivative formula in Variable operations, so they have every higher derivative; the
// piecewise-linear ones use a sign mask, whose derivative is zero away from the kink.

extension Variable {
    public func exp() -> Variable {
        record(self.value.exp(), "exp", [self], tangent: { t, _, y in t[0]! * y() }) { g, _ in [g * self.exp()] }
    }

    public func log() -> Variable {
        record(self.value.log(), "log", [self], tangent: { t, x, _ in t[0]! / x[0] }) { g, _ in [g / self] }
    }

    /// √x; its derivative is 1 / (2√x), recomputed from the input (x > 0 for a finite derivative).
    public func sqrt() -> Variable {
        record(self.value.sqrt(), "sqrt", [self], tangent: { t, _, y in (t[0]! / y()).scaled(by: 0.5) }) { g, _ in [(g / self.sqrt()).scaled(by: 0.5)] }
    }

    /// 1 / (1 + e^−x); its derivative is σ(x)(1 − σ(x)), recomputed from the input so the rule
    /// holds no reference to its own output.
    public func sigmoid() -> Variable {
        record(self.value.sigmoid(), "sigmoid", [self], tangent: { t, x, _ in x[0].sigmoidBackward(t[0]!) }) { g, _ in
            // Not recording (a first-order sweep): one fused pass, the same bits as below.
            if !GradientRecording.isEnabled { return [Variable(self.value.sigmoidBackward(g.value))] }
            let s = self.sigmoid()
            return [g * s * s.affine(scale: -1, shift: 1)]
        }
    }

    /// tanh(x); its derivative is 1 − tanh²(x).
    public func tanh() -> Variable {
        record(self.value.tanh(), "tanh", [self], tangent: { t, _, out in let y = out(); return t[0]! * (y * y).affine(scale: -1, shift: 1) }) { g, _ in
            let t = self.tanh()
            return [g * (t * t).affine(scale: -1, shift: 1)]
        }
    }

    /// log(1 + eˣ); its derivative is σ(x).
    public func softplus() -> Variable {
        record(self.value.softplus(), "softplus", [self], tangent: { t, x, _ in t[0]! * x[0].sigmoid() }) { g, _ in
            [g * self.sigmoid()]
        }
    }

    /// x for x > 0, eˣ − 1 otherwise. Its derivative is 1 for x > 0 and eˣ = elu(x) + 1 otherwise,
    /// written as 1 + elu(x) − relu(elu(x)) so that the second derivative (eˣ, then 0) follows.
    public func elu() -> Variable {
        record(self.value.elu(), "elu", [self], tangent: { t, _, out in let y = out(); return t[0]! * (y - y.leakyRelu()).affine(scale: 1, shift: 1) }) { g, _ in
            let e = self.elu()
            return [g * (e - e.relu()).adding(1)]
        }
    }

    /// max(x, 0).
    public func relu() -> Variable { leakyRelu(slope: 0) }

    /// x for x > 0, `slope`·x otherwise (slope ≥ 0).
    public func leakyRelu(slope: Double) -> Variable {
        ensure(slope >= 0, "leakyRelu: slope must be non-negative, got \(slope)")
        let input = value
        return record(self.value.leakyRelu(slope: slope), "leakyRelu", [self],
                      tangent: { t, x, _ in t[0]!.masked(bySignOf: x[0], slope: slope) }) { g, _ in
            [g.masked(bySignOf: input, slope: slope)]
        }
    }

    /// `self` where `reference` > 0 and `slope`·`self` elsewhere. Linear in `self`; the mask is a
    /// constant (its derivative vanishes away from the kink), so the rule is the same mask.
    public func masked(bySignOf reference: Tensor, slope: Double) -> Variable {
        record(self.value.masked(bySignOf: reference, slope: slope), shape: shape, "mask", [self],
               tangent: { t, _, _ in t[0]!.masked(bySignOf: reference, slope: slope) }) { g, _ in
            [g.masked(bySignOf: reference, slope: slope)]
        }
    }
}
