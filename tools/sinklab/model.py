"""Llama-style decoder with the five sinklab attention variants.

Runs on PyTorch 1.13 (Debian's python3-torch, CPU) and on newer PyTorch (GPU).
Only the GPU fast path uses APIs newer than 1.13 (F.scaled_dot_product_attention),
and it is checked against the reference path before use (see fast_path_ok()).

Conventions (docs/sinklab.md has the exact math):
  * RoPE rotates interleaved pairs (x[2i], x[2i+1]) by angle pos * theta^(-2i/d_head),
    i.e. the GGUF/llama.cpp "normal" (non-NeoX) layout; wq/wk are exported as is.
  * GQA: query head h reads kv head h // (n_head / n_kv_head).
  * Variants: softmax | sink-token | softmax1 | sink-logit | gate.
"""

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = ("softmax", "sink-token", "softmax1", "sink-logit", "gate")


@dataclass
class Config:
    vocab_size: int = 4096
    dim: int = 384
    n_layers: int = 8
    n_heads: int = 6
    n_kv_heads: int = 2
    ffn_dim: int = 1024
    max_seq: int = 520          # RoPE table length (512 + sink token + slack)
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5
    variant: str = "softmax"

    @property
    def head_dim(self):
        return self.dim // self.n_heads

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (y * self.weight.float()).type_as(x)


def rope_tables(head_dim, n_pos, theta, device=None, dtype=torch.float32):
    """cos/sin tables [n_pos, head_dim/2] computed in float64."""
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    ang = torch.arange(n_pos, dtype=torch.float64)[:, None] * inv[None, :]
    return ang.cos().to(device=device, dtype=dtype), ang.sin().to(device=device, dtype=dtype)


def apply_rope(x, cos, sin):
    """x [..., T, D]; cos/sin [T, D/2] (broadcast). Interleaved pairs (2i, 2i+1)."""
    x2 = x.float().reshape(*x.shape[:-1], x.shape[-1] // 2, 2)
    a, b = x2[..., 0], x2[..., 1]
    out = torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1)
    return out.reshape(x.shape).type_as(x)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.wq = nn.Linear(cfg.dim, cfg.n_heads * hd, bias=False)
        self.wk = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.wv = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.wo = nn.Linear(cfg.n_heads * hd, cfg.dim, bias=False)
        self.sinks = None
        self.wg = None
        if cfg.variant == "sink-logit":
            self.sinks = nn.Parameter(torch.zeros(cfg.n_heads))
        if cfg.variant == "gate":
            self.wg = nn.Linear(cfg.dim, cfg.n_heads, bias=False)
        self.use_fast = False

    def extra_logit(self):
        """Per-head extra logit (carries no value), or None."""
        if self.cfg.variant == "softmax1":
            return torch.zeros(self.cfg.n_heads, device=self.wq.weight.device)
        if self.cfg.variant == "sink-logit":
            return self.sinks
        return None

    def qkv(self, xn):
        B, T, _ = xn.shape
        hd = self.cfg.head_dim
        q = self.wq(xn).view(B, T, self.cfg.n_heads, hd).transpose(1, 2)
        k = self.wk(xn).view(B, T, self.cfg.n_kv_heads, hd).transpose(1, 2)
        v = self.wv(xn).view(B, T, self.cfg.n_kv_heads, hd).transpose(1, 2)
        return q, k, v

    def expand_kv(self, t):
        rep = self.cfg.n_heads // self.cfg.n_kv_heads
        return t if rep == 1 else t.repeat_interleave(rep, dim=1)

    def core_reference(self, q, k, v, want_probs=False):
        """q [B,H,T,D], k/v [B,H,T,D] (already RoPE'd, expanded). Causal."""
        T = q.shape[2]
        s = torch.matmul(q.float(), k.float().transpose(-1, -2)) / math.sqrt(q.shape[-1])
        mask = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
        s = s.masked_fill(mask, float("-inf"))
        e = self.extra_logit()
        if e is not None:
            col = e.float().view(1, -1, 1, 1).expand(s.shape[0], -1, T, 1)
            p = torch.softmax(torch.cat([s, col], dim=-1), dim=-1)
            p_null = p[..., -1]
            p = p[..., :-1]
        else:
            p = torch.softmax(s, dim=-1)
            p_null = None
        o = torch.matmul(p, v.float()).type_as(v)
        return (o, p, p_null) if want_probs else o

    def core_fast(self, q, k, v):
        e = self.extra_logit()
        if e is None:
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        # One extra key at index 0 whose score is e_h and whose value is 0, plus one
        # dummy query row so that the causal mask stays square (row dropped after).
        B, H, T, D = q.shape
        Dp = D + 8
        dt = q.dtype
        scale = 1.0 / math.sqrt(D)
        qa = torch.zeros(B, H, T + 1, Dp, device=q.device, dtype=dt)
        qa[:, :, 1:, :D] = q
        qa[:, :, 1:, D] = 1.0
        ka = torch.zeros(B, H, T + 1, Dp, device=q.device, dtype=dt)
        ka[:, :, 1:, :D] = k
        sink_col = (e.float() * math.sqrt(D)).to(dt).view(1, H, 1).expand(B, H, 1)
        ka = ka.clone()
        ka[:, :, 0:1, D] = sink_col
        va = torch.zeros(B, H, T + 1, Dp, device=q.device, dtype=dt)
        va[:, :, 1:, :D] = v
        o = F.scaled_dot_product_attention(qa, ka, va, is_causal=True, scale=scale)
        return o[:, :, 1:, :D]

    def forward(self, xn, cos, sin, want_probs=False):
        B, T, _ = xn.shape
        q, k, v = self.qkv(xn)
        q = apply_rope(q, cos[:T], sin[:T])
        k = apply_rope(k, cos[:T], sin[:T])
        k, v = self.expand_kv(k), self.expand_kv(v)
        probs = None
        if self.use_fast and not want_probs:
            o = self.core_fast(q, k, v)
        else:
            r = self.core_reference(q, k, v, want_probs)
            if want_probs:
                o, p, pn = r
                probs = (p, pn)
            else:
                o = r
        if self.wg is not None:
            g = torch.sigmoid(self.wg(xn).float()).transpose(1, 2).unsqueeze(-1)  # [B,H,T,1]
            o = (o.float() * g).type_as(o)
        o = o.transpose(1, 2).reshape(B, T, -1)
        return self.wo(o), probs


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.w1 = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)   # gate
        self.w3 = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)   # up
        self.w2 = nn.Linear(cfg.ffn_dim, cfg.dim, bias=False)   # down

    def forward(self, x, cos, sin, want_probs=False):
        a, probs = self.attn(self.attn_norm(x), cos, sin, want_probs)
        x = x + a
        h = self.ffn_norm(x)
        x = x + self.w2(F.silu(self.w1(h)) * self.w3(h))
        return x, probs


class Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        assert cfg.variant in VARIANTS, cfg.variant
        assert cfg.n_heads % cfg.n_kv_heads == 0
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.sink_emb = nn.Parameter(torch.zeros(cfg.dim)) if cfg.variant == "sink-token" else None
        self.layers = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.out = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        cos, sin = rope_tables(cfg.head_dim, cfg.max_seq, cfg.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self):
        std = 0.02
        for n, p in self.named_parameters():
            if p.dim() == 2:
                s = std / math.sqrt(2 * self.cfg.n_layers) if n.endswith(("wo.weight", "w2.weight")) else std
                nn.init.normal_(p, 0.0, s)
        if self.sink_emb is not None:
            nn.init.normal_(self.sink_emb, 0.0, std)

    def set_fast(self, on):
        for l in self.layers:
            l.attn.use_fast = on

    @property
    def n_prefix(self):
        """Number of non-vocabulary positions in front of the tokens (the sink token)."""
        return 1 if self.sink_emb is not None else 0

    def forward(self, tokens, want_probs=False, want_hidden=False):
        """tokens [B,T] int64 -> logits [B,T,V] (sink-token position removed).
        With want_probs: list per layer of (probs [B,H,T',T'], null [B,H,T'] or None),
        where T' = T + n_prefix.  With want_hidden: residual stream after each layer."""
        x = self.tok_emb(tokens)
        if self.sink_emb is not None:
            s = self.sink_emb.to(x.dtype).view(1, 1, -1).expand(x.shape[0], 1, -1)
            x = torch.cat([s, x], dim=1)
        T = x.shape[1]
        cos, sin = self.rope_cos[:T], self.rope_sin[:T]
        probs, hidden = [], []
        for layer in self.layers:
            x, p = layer(x, cos, sin, want_probs)
            probs.append(p)
            if want_hidden:
                hidden.append(x)
        x = self.norm(x)
        logits = self.out(x[:, self.n_prefix:])
        if want_probs or want_hidden:
            return logits, probs, hidden
        return logits

    def n_params(self):
        return sum(p.numel() for p in self.parameters())


def fast_path_ok(model, device, tol=2e-3):
    """Compare the SDPA fast path with the reference path (float32, random input,
    nonzero sink logits); return (ok, max_abs_diff)."""
    if not hasattr(F, "scaled_dot_product_attention"):
        return False, None
    import copy
    m = copy.deepcopy(model).float().to(device)
    with torch.no_grad():
        for l in m.layers:
            if l.attn.sinks is not None:
                l.attn.sinks.normal_(0.0, 2.0)
        tok = torch.randint(0, m.cfg.vocab_size, (2, 64), device=device)
        m.set_fast(False)
        ref = m(tok)
        try:
            m.set_fast(True)
            got = m(tok)
        except Exception as ex:  # noqa: BLE001 - any failure means: do not use it
            print("fast path failed:", repr(ex), flush=True)
            return False, None
    d = (ref - got).abs().max().item()
    return d < tol, d
