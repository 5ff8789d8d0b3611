"""The project file: the Project spec, its zip file format, weights import/export, the weights-fit check and crash recovery."""
