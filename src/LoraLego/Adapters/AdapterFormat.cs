namespace LoraLego.Adapters;

/// <summary>The on-disk conventions an adapter was read from (and can be written in).</summary>
public enum AdapterFormat
{
    /// <summary>Hugging Face PEFT: a folder with adapter_config.json and adapter_model.safetensors.</summary>
    Peft,

    /// <summary>kohya-ss / ComfyUI / A1111: one file with lora_down / lora_up / alpha per module.</summary>
    Kohya,

    /// <summary>diffusers pytorch_lora_weights.safetensors (attention-processor or unet./text_encoder. keys).</summary>
    Diffusers,
}

/// <summary>The kind of layer a LoRA module adapts; decides tensor names and how factors are shaped.</summary>
public enum ModuleKind
{
    Linear,

    /// <summary>PEFT lora_embedding_A [r, num_embeddings] / lora_embedding_B [dim, r]; units live in B·A space.</summary>
    Embedding,

    /// <summary>A is [r, in, kh, kw] (flattened to in·kh·kw), B is [out, r, 1, 1].</summary>
    Conv,
}
