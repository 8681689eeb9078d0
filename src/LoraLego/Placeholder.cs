namespace LoraLego;

internal static class Placeholder { }
