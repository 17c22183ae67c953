import Games

/// The methods the `saddle` program knows by name: each built-in method's CLI name, its aliases
/// and a line on what it is. The CLI resolves `--method` here, so the core's solvers stay open —
/// a solver of your own implements ``Solver`` (naming itself with ``Solver/name``) and runs
/// through the library's entry points (``IterationLoop``, ``solve(_:with:from:seed:stopping:observers:)``,
/// `GANTraining(_:method:)`) without being listed; to give it a CLI name, add an entry.
public struct SolverRegistry: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let aliases: [String]
        public let summary: String
        /// How ``SolverConfiguration`` builds it.
        public let kind: SolverKind
        public init(name: String, aliases: [String] = [], summary: String, kind: SolverKind) {
            self.name = name; self.aliases = aliases; self.summary = summary; self.kind = kind
        }
    }

    public private(set) var entries: [Entry]
    public init(_ entries: [Entry]) { self.entries = entries }

    /// The entry called `name` or one of its aliases.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// Adds an entry; a name or alias already taken is refused.
    public mutating func register(_ entry: Entry) throws {
        for n in [entry.name] + entry.aliases where self.entry(named: n) != nil {
            throw SolverError.outOfRange(parameter: "method name \(n)", value: 0, allowed: "a name not yet registered")
        }
        entries.append(entry)
    }

    /// Every name, aliases after each method's name.
    public var names: [String] { entries.flatMap { [$0.name] + $0.aliases } }

    /// Saddle's methods (SPEC §2, §5).
    public static let builtIn = SolverRegistry([
        Entry(name: "fb", summary: "forward–backward: ω ← P(ω − αF(ω))", kind: .fb),
        Entry(name: "alternating-gda", summary: "k discriminator steps, then one generator step", kind: .alternatingGDA),
        Entry(name: "eg", summary: "extragradient (Korpelevich)", kind: .eg),
        Entry(name: "eftp", summary: "extrapolation from the past (Popov)", kind: .eftp),
        Entry(name: "ogda", aliases: ["frb"], summary: "optimistic gradient: ω ← P(ω − 2αF_k + αF_{k−1}); projected, it is forward–reflected–backward (Malitsky & Tam 2020)", kind: .ogda),
        Entry(name: "srfb", aliases: ["graal"], summary: "stochastic relaxed forward–backward; at δ = 1/φ on an exact oracle it is GRAAL (Malitsky 2020)", kind: .srfb),
        Entry(name: "averaged-srfb", summary: "SRFB outputting its ergodic average", kind: .averagedSRFB),
        Entry(name: "sgd", summary: "forward–backward on a stochastic oracle", kind: .sgd),
        Entry(name: "rmsprop", summary: "forward–backward with RMSProp steps", kind: .rmsprop),
        Entry(name: "adam", summary: "forward–backward with Adam steps", kind: .adam),
        Entry(name: "extra-adam", summary: "extragradient with Adam half-steps", kind: .extraAdam),
        Entry(name: "past-extra-adam", summary: "EFTP with Adam half-steps", kind: .pastExtraAdam),
        Entry(name: "optimistic-adam", summary: "optimistic gradient with Adam steps", kind: .optimisticAdam),
        Entry(name: "mirror-descent", summary: "entropic mirror descent (finite games)", kind: .mirrorDescent),
        Entry(name: "mirror-prox", summary: "entropic mirror-prox (finite games)", kind: .mirrorProx),
        Entry(name: "mirror-gan", summary: "Mirror-GAN: SGLD chains, mean approximation", kind: .mirrorGAN),
        Entry(name: "mirror-prox-gan", summary: "Mirror-Prox-GAN: leading and real SGLD passes", kind: .mirrorProxGAN),
        Entry(name: "fbf", summary: "Tseng's forward–backward–forward (2 calls)", kind: .fbf),
        Entry(name: "agraal", summary: "adaptive golden ratio algorithm: no L needed (Malitsky 2020)", kind: .agraal),
        Entry(name: "eag-c", summary: "extra-anchored gradient, constant step (Yoon & Ryu 2021)", kind: .eagC),
        Entry(name: "eag-v", summary: "extra-anchored gradient, varying step (Yoon & Ryu 2021)", kind: .eagV),
        Entry(name: "feg", summary: "fast extragradient (Lee & Kim 2021)", kind: .feg),
        Entry(name: "sga", summary: "symplectic gradient adjustment with alignment (Balduzzi et al. 2018)", kind: .sga),
        Entry(name: "cgd", summary: "competitive gradient descent (Schäfer & Anandkumar 2019)", kind: .cgd),
        Entry(name: "acgd", summary: "adaptive CGD: per-coordinate RMSProp steps (Schäfer, Zheng & Anandkumar 2020)", kind: .acgd),
        Entry(name: "anderson-eg", summary: "extragradient with Anderson mixing and restarts", kind: .andersonEG),
    ])
}
