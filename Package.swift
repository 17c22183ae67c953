// swift-tools-version:6.0
//
// Saddle: two-player games and GANs as variational inequalities.
//
// Modules follow the layers in docs/architecture.md; a module imports only modules listed
// before it here, so data flows one way, from tensors up to the command-line program.
import PackageDescription

let package = Package(
    name: "saddle",
    products: [
        .library(name: "Saddle", targets: ["Saddle"]),
        // SolverConformance.check and the finite-difference checker, for tests of your own solvers and networks.
        .library(name: "SaddleTestSupport", targets: ["TestSupport"]),
        .executable(name: "saddle", targets: ["SaddleCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // RealModule: the elementary functions (exp, log, pow) as static members of the real types.
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // C shims. OpenBLAS (with its LAPACK) is found through pkg-config; apt provides it.
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"]), .yum(["openblas-devel"])]),
        // Fused elementwise kernels, compiled for baseline x86-64 and for x86-64-v3 (AVX2 + FMA);
        // the dynamic loader picks the clone (target_clones), so no unsafe flags are needed.
        .target(name: "CKernels", path: "Sources/CKernels"),
        // Clean-stop signal handlers for the `saddle` program (SIGINT, SIGTERM); the library never installs any.
        .target(name: "CSystem", path: "Sources/CSystem"),
        // zlib, for gzipped data files (MNIST IDX, mnist_5k.csv.gz).
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .yum(["zlib-devel"])]),

        // Cairo, the 2-D graphics library that draws the plots' PNG and PDF files (text included)
        // and measures text for their layout; the font is DejaVu Sans (fonts-dejavu-core).
        .systemLibrary(
            name: "CCairo",
            path: "Sources/CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev", "fonts-dejavu-core"]), .brew(["cairo"]), .yum(["cairo-devel", "dejavu-sans-fonts"])]),

        // The git commit of the source tree, recorded at build time (summary.json names it).
        .plugin(name: "RecordGitCommit", capability: .buildTool(), path: "Plugins/RecordGitCommit"),
        .target(name: "BuildInfo", path: "Sources/BuildInfo", plugins: ["RecordGitCommit"]),

        // 1. Storage, shapes, BLAS products, kernels, the pool allocator, the seeded generator.
        .target(name: "Tensors", dependencies: ["CBLAS", "CKernels"]),
        // 2. Define-by-run reverse mode whose backward rules are themselves differentiable.
        .target(name: "Autodiff", dependencies: ["Tensors"]),
        // 3. One contiguous parameter buffer per player; layers are views into it.
        .target(name: "Networks", dependencies: ["Autodiff", "Tensors"]),
        // 4. Games as variational inequalities: players' losses → the operator F, constraint sets,
        //    oracle accounting, closed-form games, merit functions.
        .target(name: "Games", dependencies: ["Formats", "Networks", "Autodiff", "Tensors", .product(name: "RealModule", package: "swift-numerics")]),
        // 5. One protocol, one type per method; F (and any derivative) comes from the oracle.
        .target(name: "Solvers", dependencies: ["Games", "Tensors", .product(name: "RealModule", package: "swift-numerics")]),
        // File formats (safetensors, NPY, IDX, CSV) with typed errors; atomic writes.
        .target(name: "Formats", dependencies: ["Tensors", "CZlib"]),
        // Plots as device-independent figures: SVG written by hand (real <text>), PNG and PDF drawn
        // by Cairo, laid out with Cairo's text extents; a self-contained report.html.
        .target(name: "Reports", dependencies: ["Formats", "Tensors", "CCairo"]),
        // 5b. Operator diagnostics: Jacobian products of F, spectra (LAPACK), L, μ, λ0, paper 1's constants.
        .target(name: "Diagnostics", dependencies: ["Solvers", "Games", "Autodiff", "Networks", "Tensors", "CBLAS"]),
        // 6. Data sets (2-D mixtures, MNIST), metrics, and runs (training loops, run folders).
        .target(name: "Data", dependencies: ["Formats", "Tensors"]),
        .target(name: "Metrics", dependencies: ["Data", "Formats", "Networks", "Autodiff", "Tensors", "CBLAS"]),
        .target(name: "Runs", dependencies: ["BuildInfo", "Metrics", "Data", "Formats", "Reports", "Solvers", "Games", "Networks", "Autodiff", "Tensors"]),
        // SPEC §7 workloads and the reproduction grids (which use the diagnostics and draw reports).
        .target(name: "Experiments", dependencies: ["Runs", "Metrics", "Data", "Diagnostics", "Reports", "Formats", "Solvers", "Games", "Networks", "Autodiff", "Tensors", "CBLAS"]),
        // 7. Every reproduction study (asymmetric regularization, SRFB, mixed Nash, SRFB's GAN claim,
        //    GAN comparisons), above the runs and the workloads they use.
        .target(name: "Reproductions", dependencies: ["Experiments", "Runs", "Metrics", "Data", "Diagnostics", "Reports", "Formats", "Solvers", "Games", "Networks", "Autodiff", "Tensors"]),
        // Umbrella: re-exports the public modules, nothing else.
        .target(name: "Saddle", dependencies: ["Tensors", "Formats", "Autodiff", "Networks", "Games", "Solvers", "Data", "Metrics", "Runs", "Experiments", "Reproductions", "Diagnostics", "Reports"]),
        // The `saddle` program: thin ArgumentParser commands over the library.
        .executableTarget(
            name: "SaddleCLI",
            dependencies: ["Saddle", "CSystem", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Examples that `import Saddle`; building them is part of the test command.
        .executableTarget(name: "ExampleMLPGradients", dependencies: ["Saddle"], path: "Examples/MLPGradients"),
        .executableTarget(name: "ExampleClosedFormGame", dependencies: ["Saddle"], path: "Examples/ClosedFormGame"),
        .executableTarget(name: "ExampleNeuralGame", dependencies: ["Saddle"], path: "Examples/NeuralGame"),
        .executableTarget(name: "ExampleImageMetrics", dependencies: ["Saddle"], path: "Examples/ImageMetrics"),
        .executableTarget(name: "ExampleCustomGame", dependencies: ["Saddle"], path: "Examples/CustomGame"),
        .executableTarget(name: "ExampleCustomSolver", dependencies: ["Saddle"], path: "Examples/CustomSolver"),
        .executableTarget(name: "ExampleConvGAN", dependencies: ["Saddle"], path: "Examples/ConvGAN"),

        // Tests. TestSupport holds the finite-difference checker, tolerances and the tier switch.
        .target(name: "TestSupport", dependencies: ["Saddle"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport", "CBLAS", "CKernels"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "Tensors", "TestSupport"]),
        .testTarget(name: "NetworksTests", dependencies: ["Networks", "Autodiff", "Tensors", "TestSupport"]),
        .testTarget(name: "GamesTests", dependencies: ["Games", "Formats", "Networks", "Autodiff", "Tensors", "TestSupport"]),
        .testTarget(name: "SolversTests", dependencies: ["Solvers", "Games", "Networks", "Autodiff", "Tensors", "TestSupport", "CBLAS"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Tensors", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Data", "Formats", "Networks", "Autodiff", "Tensors", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "Formats", "Metrics", "Tensors", "TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Runs", "Games", "Solvers", "Networks", "Autodiff", "Tensors", "TestSupport"]),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics", "Solvers", "Games", "Networks", "Autodiff", "Tensors", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Tensors"]),
        .testTarget(name: "RunsTests", dependencies: ["Runs", "Formats", "Solvers", "Games", "Networks", "Autodiff", "Tensors", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Saddle", "TestSupport"]),
        .testTarget(name: "ReproductionsTests", dependencies: ["Reproductions", "Experiments", "Runs", "Solvers", "Games", "Networks", "Autodiff", "Tensors", "TestSupport"]),

        // Fuzzing (docs/reliability.md): one check per file reader, replayed on the committed
        // corpus and regression inputs by FuzzTests in every build.
        .target(name: "FuzzTargets", dependencies: ["Formats", "Runs", "Tensors"], path: "Fuzz/Targets"),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets", "Formats", "Runs"], path: "Fuzz/Tests"),
    ],
    swiftLanguageModes: [.v5]
)

// Open MPI (docs/scaling.md): built only with SADDLE_MPI=1 — scripts/run and scripts/test install
// Debian's openmpi-bin and libopenmpi-dev and set it — so that Saddle builds and runs where MPI is
// not installed. CMPI finds the headers through pkg-config ompi-c; SaddleMPI is the ProcessGroup
// over MPI_COMM_WORLD; the `saddle` program uses it when `mpirun` starts it (#if canImport(SaddleMPI)).
if Context.environment["SADDLE_MPI"] == "1" {
    package.targets += [
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .target(name: "SaddleMPI", dependencies: ["CMPI", "Tensors"], path: "Sources/SaddleMPI"),
    ]
    for t in package.targets where t.name == "SaddleCLI" { t.dependencies.append("SaddleMPI") }
}

// The libFuzzer driver exists only in scripts/fuzz's build (SADDLE_FUZZ=1, scratch path
// .build-fuzz, -sanitize=fuzzer,address): it calls libFuzzer, which an ordinary build does not
// link, and the ordinary build stays as it was.
if Context.environment["SADDLE_FUZZ"] != nil {
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .executableTarget(name: "saddle-fuzz", dependencies: ["FuzzTargets", "CLibFuzzer"], path: "Fuzz/Driver"),
    ]
}
