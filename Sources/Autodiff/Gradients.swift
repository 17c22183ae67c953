import Tensors

/// Errors in a gradient request (as opposed to programmer errors in shapes, which stop).
public enum GradientError: Error, CustomStringConvertible {
    /// An output has more than one element and no seed (cotangent) was given for it.
    case seedRequired(outputShape: Shape)

    public var description: String {
        switch self {
        case .seedRequired(let s):
            return "gradients: output of shape \(s) is not a scalar; pass a seed (cotangent) of that shape"
        }
    }
}

/// The gradients of `outputs` (weighted by `seeds`) with respect to `inputs`: for each input x,
/// ∂/∂x Σₖ ⟨seedₖ, outputₖ⟩. A one-element output may omit its seed (it defaults to 1).
///
/// Only nodes on a path from an input to an output are visited, and a rule is asked only for the
/// cotangents of inputs that lead somewhere wanted — so the generator's step does not compute the
/// discriminator's weight gradients it passes through.
///
/// With `createGraph`, the backward rules are recorded like any operation, and the returned
/// gradients can be differentiated again (gradient penalties, Hessian- and Jacobian-vector
/// products). Seeds that require gradients become part of that graph.
///
/// An input that no output depends on gets a gradient of zeros.
///
/// - Complexity: O(nodes reachable from the outputs) bookkeeping plus the rules' work.
public func gradients(of outputs: [Variable], withRespectTo inputs: [Variable],
                      seeds: [Variable?]? = nil, createGraph: Bool = false) throws -> [Variable] {
    ensure(seeds == nil || seeds!.count == outputs.count,
                 "gradients: \(seeds!.count) seeds for \(outputs.count) outputs")
    let full = try outputs.enumerated().map { k, out -> Variable in
        if let s = seeds?[k] { return s }
        guard out.count == 1 else { throw GradientError.seedRequired(outputShape: out.shape) }
        return Variable(Tensor.ones(out.shape, dtype: out.dtype))
    }
    return gradients(of: outputs, withRespectTo: inputs, cotangents: full, createGraph: createGraph)
}

/// ``gradients(of:withRespectTo:seeds:createGraph:)`` with a cotangent for every output (so it
/// cannot fail): for each input x, ∂/∂x Σₖ ⟨cotangentₖ, outputₖ⟩ — the vector–Jacobian product.
public func gradients(of outputs: [Variable], withRespectTo inputs: [Variable],
                      cotangents: [Variable], createGraph: Bool = false) -> [Variable] {
    ensure(cotangents.count == outputs.count, "gradients: \(cotangents.count) cotangents for \(outputs.count) outputs")
    let graph = SweepGraph(from: outputs, to: inputs)
    var grads = [Cotangent](repeating: Cotangent(), count: graph.slots)
    for (out, seed) in zip(outputs, cotangents) {
        ensure(seed.shape == out.shape && seed.dtype == out.dtype,
                     "gradients: seed \(seed.dtype) \(seed.shape) for output \(out.dtype) \(out.shape)")
        grads[graph.slot(of: out)!].add(seed)
    }
    return GradientRecording.with(createGraph) {
        backwardSweep(graph, &grads, sinks: nil)
        return inputs.map { x in grads[graph.slot(of: x)!].total(for: x) ?? Variable(Tensor.zeros(x.shape, dtype: x.dtype)) }
    }
}

/// The gradient of a one-element `output` with respect to each of `inputs`.
public func gradients(of output: Variable, withRespectTo inputs: [Variable], createGraph: Bool = false) -> [Variable] {
    ensure(output.count == 1, "gradients(of:): output of shape \(output.shape) is not a scalar; use gradients(of:withRespectTo:seeds:)")
    return gradients(of: [output], withRespectTo: inputs, cotangents: [Variable(Tensor.ones(output.shape, dtype: output.dtype))], createGraph: createGraph)
}

/// Adds the gradient of a one-element `output` with respect to each of `inputs` into the
/// matching tensor of `destinations` (of the input's element count and dtype), after setting
/// them to zero: the first-order sweep of ``gradients(of:withRespectTo:createGraph:)`` without
/// the tensors it would return.
///
/// Why: matrix products then write each weight gradient straight into its place in a flat
/// gradient vector (BLAS with β = 1 adds it there), where the returning sweep makes a tensor per
/// contribution, adds a parameter's contributions (a discriminator's weights see the real and
/// the fake batch), and the caller copies the sums into a flat vector — or, for parameters sliced
/// from one vector (``slice(from:shape:)``), pads every slice's gradient to the vector's length
/// and adds the pads. Destinations receive contributions through every input itself and through
/// every slice of it; overlapping slices add up like any other contributions.
public func gradients(of output: Variable, withRespectTo inputs: [Variable], into destinations: [Tensor]) {
    ensure(output.count == 1, "gradients(of:into:): output of shape \(output.shape) is not a scalar")
    ensure(destinations.count == inputs.count, "gradients(of:into:): \(destinations.count) destinations for \(inputs.count) inputs")
    let graph = SweepGraph(from: [output], to: inputs)
    var sinks = [Tensor?](repeating: nil, count: graph.slots)
    for (x, d) in zip(inputs, destinations) {
        ensure(d.count == x.count && d.dtype == x.dtype, "gradients(of:into:): destination \(d.dtype) \(d.shape) for input \(x.dtype) \(x.shape)")
        let slot = graph.slot(of: x)!
        ensure(sinks[slot] == nil, "gradients(of:into:): an input is listed twice")
        d.fill(0)
        sinks[slot] = d.reshaped(x.shape)
    }
    // A slice of a variable with a sink writes into the matching elements of that sink (inputs
    // come before their consumers in `order`, so slices of slices resolve too).
    for v in graph.order {
        guard let node = v.node, let start = node.viewOffset, let p = graph.slot(of: node.inputs[0]), let parent = sinks[p] else { continue }
        sinks[graph.slot(of: v)!] = parent.view(from: start, shape: v.shape)
    }
    var grads = [Cotangent](repeating: Cotangent(), count: graph.slots)
    grads[graph.slot(of: output)!] = Cotangent(Variable(Tensor.ones(output.shape, dtype: output.dtype)))
    GradientRecording.with(false) {
        backwardSweep(graph, &grads, sinks: sinks)
        // Contributions that reached an input the ordinary way (through operations without sinks).
        for (x, d) in zip(inputs, destinations) {
            if let g = grads[graph.slot(of: x)!].total(for: x) { d.reshaped(x.shape).add(g.value) }
        }
    }
}

/// The reverse sweep shared by both forms of `gradients`: each relevant node's rule maps its
/// output's cotangent in `grads` to its inputs', which are added up in `grads`. A node with a
/// sink rule (``Node/backwardInto``) and an input with a sink adds that input's cotangent into
/// the sink instead (first order only; `sinks` is nil when a graph of the gradient is recorded).
///
/// A slice's cotangent is not padded to its vector here: it is kept as a piece of the vector's
/// cotangent (``Cotangent``), so the k slices of one parameter vector make one vector, not k
/// zero-padded vectors and k − 1 sums.
private func backwardSweep(_ graph: SweepGraph, _ grads: inout [Cotangent], sinks: [Tensor?]?) {
    for v in graph.order.reversed() {
        let id = graph.slot(of: v)!
        guard graph.relevant[id], let node = v.node, let g = grads[id].total(for: v) else { continue }
        grads[id] = Cotangent(g)  // a requested input may have a node too: the caller reads its total
        let inputSlots = node.inputs.map { graph.slot(of: $0) }
        let needs = inputSlots.map { $0.map { graph.relevant[$0] } ?? false }
        if !needs.contains(true) { continue }
        // A slice's cotangent stays a piece of its vector's, also where the vector has a sink (a
        // layer's parameters cut from the player's flat vector whose cotangent came through rules
        // without sinks: batch normalization's γ and β): the pieces become one vector at the end
        // (``Cotangent/total(for:)``), where the slice's rule padded each to the vector's length
        // (a vector of the generator's 540k entries filled and added per such parameter). The
        // same sums: a padded vector is its piece and zeros, and a piece added into zeros is the
        // piece (an entry in two overlapping pieces, both −0, is the one exception: +0 for −0).
        if let start = node.viewOffset {
            grads[inputSlots[0]!].add(piece: g, at: start)
            continue
        }
        let inputGrads: [Variable?]
        if let rule = node.backwardInto, let sinks, inputSlots.contains(where: { $0.map { sinks[$0] != nil } ?? false }) {
            inputGrads = rule(g, needs, inputSlots.map { $0.flatMap { sinks[$0] } })
        } else {
            inputGrads = node.backward(g, needs)
        }
        ensure(inputGrads.count == node.inputs.count,
               "gradients: rule \(node.name) returned \(inputGrads.count) cotangents for \(node.inputs.count) inputs")
        for k in 0..<node.inputs.count where needs[k] {
            guard let gk = inputGrads[k] else { continue }
            let input = node.inputs[k]
            ensure(gk.shape == input.shape,
                   "gradients: rule \(node.name) returned a cotangent of shape \(gk.shape) for an input of shape \(input.shape)")
            grads[inputSlots[k]!].add(gk)
        }
    }
}

/// The variables between the outputs and the inputs of a gradient request, numbered: each
/// variable the walk meets — the requested inputs first, then what the walk from the outputs
/// discovers — gets a slot, and per-variable state lives in arrays indexed by slot. `order` lists
/// the walked variables inputs before the variables computed from them; `relevant[slot]` says
/// whether a variable is a requested input or computed from a relevant one. Built in one
/// post-order walk from the outputs.
///
/// Slots are found by identity through a ``SlotTable`` of addresses, not a `Dictionary` of
/// `ObjectIdentifier`s, whose seeded SipHash took 2–3% of a W1 step (callgrind: `Hasher` and
/// dictionary lookups, about 130 instructions per lookup).
private struct SweepGraph {
    private(set) var order: [Variable] = []  // children before parents
    private(set) var relevant: [Bool] = []
    private var index: SlotTable

    var slots: Int { relevant.count }
    func slot(of v: Variable) -> Int? { index.find(ObjectIdentifier(v)) }

    init(from outputs: [Variable], to inputs: [Variable]) {
        index = SlotTable(expected: 256)
        var wanted: [Bool] = [], visited: [Bool] = []
        // Room for a GAN step's graph up front: grown by appends from empty, each array was
        // reallocated about nine times per gradient request.
        order.reserveCapacity(256); relevant.reserveCapacity(256)
        wanted.reserveCapacity(256); visited.reserveCapacity(256)
        func slot(_ v: Variable) -> Int {
            let (s, inserted) = index.insert(ObjectIdentifier(v), next: relevant.count)
            if inserted { relevant.append(false); wanted.append(false); visited.append(false) }
            return s
        }
        for x in inputs { wanted[slot(x)] = true }
        var stack: [(Variable, Bool)] = outputs.map { ($0, false) }
        stack.reserveCapacity(256)
        while let (v, expanded) = stack.popLast() {
            let id = slot(v)
            if expanded {
                var r = wanted[id]
                if let node = v.node { for i in node.inputs where index.find(ObjectIdentifier(i)).map({ relevant[$0] }) == true { r = true } }
                relevant[id] = r
                order.append(v)
                continue
            }
            if visited[id] { continue }
            visited[id] = true  // fixed when expanded
            stack.append((v, true))
            if let node = v.node {
                for i in node.inputs where i.requiresGradient && !(index.find(ObjectIdentifier(i)).map { visited[$0] } ?? false) {
                    stack.append((i, false))
                }
            }
        }
    }
}

extension SlotTable {
    /// The slot of an object, if inserted (its address is the key: nonzero while it lives).
    func find(_ id: ObjectIdentifier) -> Int? { find(UInt(bitPattern: id)) }
    /// The slot of an object: its existing one, or `next`, inserted.
    mutating func insert(_ id: ObjectIdentifier, next: Int) -> (slot: Int, inserted: Bool) { insert(UInt(bitPattern: id), next: next) }
}

/// The contributions to one variable's cotangent, in the order the sweep brings them: whole
/// cotangents, and pieces that slices of the variable (``Variable/slice(from:shape:)``) give back.
/// ``total(for:)`` adds them up in that order, as repeated `+` would — except that two or more
/// pieces and nothing else become one ``Variable/assembled(_:at:count:)`` vector, where padding each
/// piece to the vector's length and adding the padded vectors would cost a vector per piece.
private struct Cotangent {
    typealias Term = (value: Variable, start: Int?)
    // The first term inline: most variables get one contribution, and then no array is made.
    private var first: Term?
    private var rest: [Term] = []

    init() {}
    init(_ g: Variable) { first = (g, nil) }

    mutating func add(_ g: Variable) { append((g, nil)) }
    mutating func add(piece g: Variable, at start: Int) { append((g, start)) }
    private mutating func append(_ t: Term) { if first == nil { first = t } else { rest.append(t) } }

    /// The sum, shaped like `v`; nil when nothing was added.
    func total(for v: Variable) -> Variable? {
        guard let first else { return nil }
        if rest.isEmpty && first.start == nil { return first.value }
        let terms = [first] + rest
        if terms.count >= 2 && terms.allSatisfy({ $0.start != nil }) {
            return Variable.assembled(terms.map(\.value), at: terms.map { $0.start! }, count: v.count).reshaped(v.shape)
        }
        func whole(_ t: Term) -> Variable {
            guard let start = t.start else { return t.value }
            return t.value.padded(toCount: v.count, at: start).reshaped(v.shape)
        }
        return terms.dropFirst().reduce(whole(first)) { $0 + whole($1) }
    }
}
