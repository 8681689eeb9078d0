namespace LoraLego.SafeTensors;

/// <summary>
/// One value per rule a safetensors file (or a write) can break. The ErrorId of a
/// <see cref="SafeTensorsException"/> is "SafeTensors" + the name, so names are stable.
/// </summary>
public enum SafeTensorsErrorKind
{
    // Opening / reading the file itself.
    FileNotFound,
    ReadFailed,
    FileChanged,

    // Layout: u64 N, then N bytes of header.
    FileTooSmall,
    HeaderTooLarge,
    HeaderOutOfBounds,

    // Header JSON.
    HeaderNotUtf8,
    HeaderNotJson,
    HeaderTooDeep,
    HeaderNotObject,
    MetadataNotStrings,
    DuplicateMetadataKey,
    InvalidTensorEntry,
    UnknownDType,
    NegativeShape,
    DuplicateTensor,

    // Sizes and offsets.
    SizeOverflow,
    MisalignedBits,
    TensorSizeMismatch,
    OffsetsNotContiguous,
    TrailingBytes,
    TruncatedData,

    // Using the tensors.
    TensorNotFound,
    UnsupportedDType,
    TensorTooLarge,

    // Writing.
    OutputExists,
    WriteFailed,
    InvalidTensorSpec,
    TensorOrder,
    DataLengthMismatch,
    IncompleteWrite,
}
