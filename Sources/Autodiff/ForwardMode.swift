import Tensors

// Forward mode over a recorded graph. Every node carries a tangent rule beside its backward rule
// (see `Node`), so a Jacobian–vector product J·v of any function built from `Variable`
// operations is one sweep from the inputs to the outputs of its recorded graph, each node mapping
// its inputs' tangents to its own. Applied to a recorded gradient (createGraph), this is
// forward-over-reverse: the JVP of a game's field F costs about two more passes of F's work
// (each product X·W gets Ẋ·W + X·Ẇ), where the double-VJP trick costs about four.

/// The tangents of `outputs` when `inputs` move along `seeds`: for each output y,
/// ẏ = Σᵢ ∂y/∂xᵢ · seedᵢ, by one forward sweep over the graph recorded between them.
///
/// Only nodes on a path from an input to an output are visited. Variables that no input reaches
/// (constants, and leaves not listed in `inputs`) have a zero tangent and cost nothing; an output
/// that no input reaches gets nil. A tangent is released as soon as its last consumer has used it.
///
/// The graph must have been recorded (the outputs' nodes must exist): with recording on, and with
/// `createGraph: true` for outputs that are gradients.
///
/// - Complexity: O(nodes between the outputs and the inputs) bookkeeping plus the rules' work,
///   about the recorded computation's work again for each product with two varying operands.
public func tangents(of outputs: [Variable], from inputs: [Variable], along seeds: [Tensor]) -> [Tensor?] {
    ensure(inputs.count == seeds.count, "tangents: \(seeds.count) seeds for \(inputs.count) inputs")
    // Per-variable state in arrays indexed by slot (see `SweepGraph` in Gradients.swift).
    var index = SlotTable(expected: 256)
    var tangent: [Tensor?] = [], live: [Bool?] = [], uses: [Int] = []
    tangent.reserveCapacity(256); live.reserveCapacity(256); uses.reserveCapacity(256)  // as SweepGraph
    func slot(_ v: Variable) -> Int {
        let (s, inserted) = index.insert(ObjectIdentifier(v), next: tangent.count)
        if inserted { tangent.append(nil); live.append(nil); uses.append(0) }
        return s
    }
    func find(_ v: Variable) -> Int? { index.find(ObjectIdentifier(v)) }
    for (x, s) in zip(inputs, seeds) {
        ensure(x.shape == s.shape && x.dtype == s.dtype, "tangents: seed \(s.dtype) \(s.shape) for input \(x.dtype) \(x.shape)")
        let id = slot(x)
        if let earlier = tangent[id] { tangent[id] = earlier + s } else { tangent[id] = s }
    }
    // Post-order walk from the outputs: inputs before the variables computed from them. A variable
    // is live when an input reaches it; only live variables get a tangent.
    var order: [Variable] = []
    var stack: [(Variable, Bool)] = outputs.map { ($0, false) }
    while let (v, expanded) = stack.popLast() {
        let id = slot(v)
        if expanded {
            var reached = false
            for i in v.node!.inputs where find(i).flatMap({ live[$0] }) == true { reached = true }
            live[id] = reached
            if reached { order.append(v) }
            continue
        }
        if live[id] != nil { continue }
        if tangent[id] != nil { live[id] = true; continue }  // an input: its tangent is the seed
        guard let node = v.node else { live[id] = false; continue }
        live[id] = false  // visited; fixed when expanded
        stack.append((v, true))
        for i in node.inputs where i.requiresGradient && find(i).flatMap({ live[$0] }) == nil { stack.append((i, false)) }
    }
    // How many live consumers each live variable's tangent still has; outputs keep theirs.
    for v in order { for i in v.node!.inputs { if let s = find(i), live[s] == true { uses[s] += 1 } } }
    for y in outputs { uses[slot(y)] += 1 << 30 }

    GradientRecording.with(false) {
        for v in order {
            let node = v.node!
            let ts = node.inputs.map { find($0).flatMap { tangent[$0] } }
            let t = node.tangent(ts, InputValues(variables: node.inputs), { v.value })
            if let t {
                ensure(t.shape == v.shape && t.dtype == v.dtype,
                       "tangents: rule \(node.name) returned a tangent \(t.dtype) \(t.shape) for an output \(v.dtype) \(v.shape)")
                tangent[find(v)!] = t
            }
            for i in node.inputs {
                guard let s = find(i), uses[s] > 0 else { continue }
                if uses[s] == 1 { uses[s] = 0; tangent[s] = nil } else { uses[s] -= 1 }
            }
        }
    }
    return outputs.map { find($0).flatMap { tangent[$0] } }
}

/// ȧ + ḃ with nil for a zero tangent.
@inline(__always)
func tangentSum(_ a: Tensor?, _ b: Tensor?) -> Tensor? {
    guard let a else { return b }
    guard let b else { return a }
    return a + b
}

/// ȧ − ḃ with nil for a zero tangent.
@inline(__always)
func tangentDifference(_ a: Tensor?, _ b: Tensor?) -> Tensor? {
    guard let b else { return a }
    guard let a else { return b.scaled(by: -1) }
    return a - b
}
