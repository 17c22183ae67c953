import Autodiff
import Formats
import Foundation
import Networks
import Tensors
import Testing
import TestSupport

/// A DCGAN's tensors as PyTorch names and lays them out (docs/convolutional.md), read by numpy:
/// the script below rebuilds G (evaluation mode: running statistics) and a spectrally normalized
/// D from the safetensors files alone, with its own convolution, transposed convolution, batch
/// normalization and spectral normalization, and checks G(z) and D(x) against Saddle's to 1e-5.
@Suite("DCGAN tensors rebuilt in numpy")
struct DCGANInteroperabilityTests {
    static let python = pythonImporting("numpy, safetensors.numpy", orSkipping: "DCGANInteroperabilityTests")

    static let script = #"""
        import sys
        import numpy as np
        from safetensors.numpy import load_file

        g, d, io = (load_file(path) for path in sys.argv[1:4])
        g = {k: v.astype(np.float64) for k, v in g.items()}
        d = {k: v.astype(np.float64) for k, v in d.items()}

        def conv2d(x, w, b, stride, pad):
            # Cross-correlation: y[n, o, r, c] = b[o] + sum_{i,u,v} w[o, i, u, v] x[n, i, r*stride - pad + u, c*stride - pad + v].
            n, cin, h, wid = x.shape
            cout, _, kh, kw = w.shape
            oh, ow = (h + 2 * pad - kh) // stride + 1, (wid + 2 * pad - kw) // stride + 1
            padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            y = np.zeros((n, cout, oh, ow))
            for u in range(kh):
                for v in range(kw):
                    window = padded[:, :, u:u + stride * (oh - 1) + 1:stride, v:v + stride * (ow - 1) + 1:stride]
                    y += np.einsum("nihw,oi->nohw", window, w[:, :, u, v])
            return y + b[None, :, None, None]

        def conv_transpose2d(x, w, b, stride, pad):
            # w is (in, out, kH, kW): input pixel (r, c) adds w[i, o, u, v] x[n, i, r, c] to output
            # pixel (r*stride - pad + u, c*stride - pad + v); pixels outside the output are dropped.
            n, cin, h, wid = x.shape
            _, cout, kh, kw = w.shape
            full = np.zeros((n, cout, (h - 1) * stride + kh, (wid - 1) * stride + kw))
            for u in range(kh):
                for v in range(kw):
                    full[:, :, u:u + stride * (h - 1) + 1:stride, v:v + stride * (wid - 1) + 1:stride] += np.einsum("nihw,io->nohw", x, w[:, :, u, v])
            oh, ow = (h - 1) * stride - 2 * pad + kh, (wid - 1) * stride - 2 * pad + kw
            return full[:, :, pad:pad + oh, pad:pad + ow] + b[None, :, None, None]

        def batch_norm_eval(x, sd, name):
            per_channel = lambda t: t[None, :, None, None]
            scale = sd[name + ".weight"] / np.sqrt(sd[name + ".running_var"] + 1e-5)
            return (x - per_channel(sd[name + ".running_mean"])) * per_channel(scale) + per_channel(sd[name + ".bias"])

        def spectrally_normalized(sd, name):
            w = sd[name]
            sigma = sd[name + "_u"] @ w.reshape(w.shape[0], -1) @ sd[name + "_v"]
            return w / sigma

        def leaky(t):
            return np.where(t > 0, t, 0.2 * t)

        z = io["z"].astype(np.float64)
        n = z.shape[0]
        channels = g["deconv1.weight"].shape[0]
        base = int(round((g["fc.weight"].shape[0] // channels) ** 0.5))
        h = (z @ g["fc.weight"].T + g["fc.bias"]).reshape(n, channels, base, base)
        h = np.maximum(batch_norm_eval(h, g, "bn1"), 0)
        h = np.maximum(batch_norm_eval(conv_transpose2d(h, g["deconv1.weight"], g["deconv1.bias"], 2, 1), g, "bn2"), 0)
        h = conv_transpose2d(h, g["deconv2.weight"], g["deconv2.bias"], 2, 1)
        images = (1 / (1 + np.exp(-h))).reshape(n, -1)

        x = io["x"].astype(np.float64)
        cin = d["conv1.weight"].shape[1]
        size = int(round((x.shape[1] // cin) ** 0.5))
        h = leaky(conv2d(x.reshape(n, cin, size, size), spectrally_normalized(d, "conv1.weight"), d["conv1.bias"], 2, 1))
        h = leaky(conv2d(h, spectrally_normalized(d, "conv2.weight"), d["conv2.bias"], 2, 1))
        scores = h.reshape(n, -1) @ spectrally_normalized(d, "fc.weight").T + d["fc.bias"]

        def relative_error(mine, theirs):
            theirs = theirs.astype(np.float64)
            assert mine.shape == theirs.shape, (mine.shape, theirs.shape)
            return float(np.max(np.abs(mine - theirs)) / max(1.0, float(np.max(np.abs(theirs)))))

        errors = relative_error(images, io["images"]), relative_error(scores, io["scores"])
        print(*errors)
        assert max(errors) <= 1e-5, errors
        """#

    @Test(.enabled(if: DCGANInteroperabilityTests.python != nil))
    func numpyRebuildsGeneratorAndDiscriminator() throws {
        var rng = RandomGenerator(seed: 21)
        let g = DCGANGenerator(using: &rng)
        let d = DCGANDiscriminator(spectralNorm: true, using: &rng)
        let (theta, phi) = (g.parameters.flat, d.parameters.flat)
        // Running statistics and u, v away from their initial values.
        for _ in 0..<2 {
            _ = g(Variable(Tensor.normal([16, 64], using: &rng)), parameters: Variable(theta))
            g.updateNonTrainableState(parameters: theta)
            d.updateNonTrainableState(parameters: phi)
        }
        #expect(g.bn1.runningMean.maxAbs() > 1e-3)
        let z = Tensor.normal([5, 64], using: &rng), x = Tensor.uniform([5, 784], using: &rng)
        let images = g(Variable(z), parameters: Variable(theta), mode: .evaluation).value
        let scores = d(Variable(x), parameters: Variable(phi)).value

        let dir = try makeScratchFolder("dcgan-numpy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func write(_ tensors: [(name: String, tensor: Tensor)], _ file: String) throws {
            var f = SafeTensors()
            for t in tensors { f.add(t.name, t.tensor) }
            try f.write(to: dir + "/" + file)
        }
        try write(g.stateDict(parameters: theta), "g.safetensors")
        try write(d.stateDict(parameters: phi), "d.safetensors")
        try write([("z", z), ("x", x), ("images", images), ("scores", scores)], "io.safetensors")

        let (status, printed, failure) = try runPython(Self.python!, script: Self.script,
                                                       arguments: ["g", "d", "io"].map { dir + "/\($0).safetensors" })
        #expect(status == 0, "\(failure.suffix(2000))")
        let errors = printed.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(errors.count == 2 && errors.allSatisfy { $0 <= 1e-5 }, "G, D relative errors: \(printed)")
        print("DCGANInteroperabilityTests: numpy vs Saddle relative errors G \(errors.first ?? .nan), D \(errors.last ?? .nan)")
    }
}
