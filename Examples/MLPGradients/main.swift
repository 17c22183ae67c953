import Saddle; print(BLAS.coreName)
