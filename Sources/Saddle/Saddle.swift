// The umbrella module: `import Saddle` gives every public layer.
@_exported import Autodiff
@_exported import Data
@_exported import Diagnostics
@_exported import Experiments
@_exported import Formats
@_exported import Games
@_exported import Metrics
@_exported import Networks
@_exported import Reports
@_exported import Reproductions
@_exported import Runs
@_exported import Solvers
@_exported import Tensors
