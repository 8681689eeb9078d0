namespace LoraLego.Adapters;

/// <summary>Stable ErrorIds of adapter reading and writing (scripts and docs key on these strings).</summary>
public static class AdapterErrorIds
{
    public const string AdapterNotFound = nameof(AdapterNotFound);
    public const string AdapterConfigInvalid = nameof(AdapterConfigInvalid);
    public const string AdapterTypeNotSupported = nameof(AdapterTypeNotSupported);
    public const string AdapterFormatUnknown = nameof(AdapterFormatUnknown);
    public const string AdapterFolderAmbiguous = nameof(AdapterFolderAmbiguous);
    public const string LegacyPickleAdapter = nameof(LegacyPickleAdapter);
    public const string LoraFactorMissing = nameof(LoraFactorMissing);
    public const string LoraShapeMismatch = nameof(LoraShapeMismatch);
    public const string LoraRankMismatch = nameof(LoraRankMismatch);
    public const string LoraDTypeNotSupported = nameof(LoraDTypeNotSupported);
    public const string LoraModuleDuplicate = nameof(LoraModuleDuplicate);
    public const string GitLfsPointer = nameof(GitLfsPointer);
    public const string ModelFamilyMismatch = nameof(ModelFamilyMismatch);

    public const string OutputExists = nameof(OutputExists);
    public const string OutputIsInput = nameof(OutputIsInput);
    public const string OutputNotAnAdapter = nameof(OutputNotAnAdapter);
    public const string OutputFormatNotSupported = nameof(OutputFormatNotSupported);
    public const string OutputModuleInvalid = nameof(OutputModuleInvalid);
    public const string OutputNameUnmapped = nameof(OutputNameUnmapped);
    public const string OutputSpansComponents = nameof(OutputSpansComponents);
    public const string OutputUnitsMismatch = nameof(OutputUnitsMismatch);
    public const string OutputSourcesConflict = nameof(OutputSourcesConflict);
    public const string OutputWriteFailed = nameof(OutputWriteFailed);
}
