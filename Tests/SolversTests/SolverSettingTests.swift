import Games
import Solvers
import Testing
import TestSupport

/// ``SolverKind/reads(_:)`` is what the methods do: changing a setting changes a method's iterates
/// exactly when the method is said to read it (the CLI warns about the others, so a wrong entry
/// would either hide a silently ignored flag or warn about one that acts).
@Suite("SolverKind.reads: which settings each method uses")
struct SolverSettingTests {
    /// A value of each setting other than the default.
    static func change(_ setting: SolverSetting, _ c: inout SolverConfiguration) {
        switch setting {
        case .relaxation: c.relaxation = 0.9
        case .discriminatorSteps: c.discriminatorSteps = 3
        case .beta1: c.beta1 = 0.3
        case .beta2: c.beta2 = 0.5
        case .epsilon: c.epsilon = 0.5
        case .decay: c.decay = 0.5
        case .eftpFirstStep: c.eftpFirstStep = .skipExtrapolation
        case .optimisticFirstStep: c.optimisticFirstStep = .zero
        case .previousMoments: c.previousMoments = .raw
        case .mirrorGAN: c.mirrorGAN.innerSteps = 3
        case .sgaAdjustment: c.sgaAdjustment = 0.2
        case .competitiveGradient: c.cgdMaxInnerProducts = 1
        case .andersonMemory: c.andersonMemory = 1
        case .agraalPhi: c.agraalPhi = 1.1
        }
    }

    static func iterate(_ c: SolverConfiguration, _ kind: SolverKind) throws -> [Double] {
        let problem = CheckSolverTests.problem(for: kind)
        let result = try solve(problem, withAny: try c.makeSolver(), seed: 5, stopping: StoppingRule(iterations: 6))
        return result.lastIterate.scalars
    }

    @Test(arguments: SolverKind.allCases)
    func readsIsWhatChangesTheIterates(kind: SolverKind) throws {
        let base = CheckSolverTests.configuration(kind)
        let reference = try Self.iterate(base, kind)
        for setting in SolverSetting.allCases {
            var changed = base
            Self.change(setting, &changed)
            let moved = try Self.iterate(changed, kind) != reference
            #expect(moved == kind.reads(setting), "\(kind.rawValue) \(setting.rawValue): the iterates \(moved ? "change" : "do not change"), but reads says \(kind.reads(setting))")
        }
    }
}
