"""Media type names of the formats layer's own making, as plain constants: algorithm descriptors
name them, and reading every descriptor (``smemu --help``) must not import the readers (numpy)."""

#: im2rec RecordIO of images: the image algorithms' channels alias their application/x-recordio
#: to it (elsewhere application/x-recordio means RecordIO-protobuf)
IM2REC = "application/x-recordio-im2rec"
IMAGE = "application/x-image"

#: what users write on the image algorithms' channels, and what their containers read it as
IMAGE_CHANNEL_ALIASES = {"application/x-recordio": IM2REC, "image/jpeg": IMAGE, "image/png": IMAGE}
