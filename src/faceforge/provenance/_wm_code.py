"""Channel coding of the watermark payload: CRC-24, keyed scrambling, convolutional code, Viterbi.

    48 payload bits ─► + CRC-24 ─► XOR keyed scrambler ─► + 6 zero tail bits
    ─► rate-1/3 convolutional code (K=7) ─► 234 coded bits

The CRC is what bounds false positives: an unmarked image yields some 72-bit word from the
decoder, and a word that is not a watermark passes the CRC with probability 2⁻²⁴ (≈ 6·10⁻⁸).
The scrambler makes the all-zero word (what a flat image decodes to) invalid.
"""

from __future__ import annotations

import numpy as np

PAYLOAD_BITS = 48
CRC_BITS = 24
MESSAGE_BITS = PAYLOAD_BITS + CRC_BITS  # 72
CONSTRAINT = 7  # constraint length K of the convolutional code
TAIL_BITS = CONSTRAINT - 1
# Generators of the K=7, rate-1/3 code used by LTE (3GPP TS 36.212 §5.1.3.1), octal 133, 171, 165:
# a maximum free distance code (d_free = 15) for its size.
GENERATORS = (0o133, 0o171, 0o165)
CODED_BITS = (MESSAGE_BITS + TAIL_BITS) * len(GENERATORS)  # 234

# CRC-24/OpenPGP (RFC 4880 §6.1): polynomial 0x864CFB, initial value 0xB704CE.
_CRC24_POLY = 0x864CFB
_CRC24_INIT = 0xB704CE
_SCRAMBLE_SEED = 0x46_46_57_4D  # "FFWM"; any fixed value, it only has to be the same at both ends

_STATES = 1 << (CONSTRAINT - 1)


def crc24(bits: np.ndarray) -> np.ndarray:
    """The CRC-24/OpenPGP of a bit string (MSB first), as 24 bits."""
    reg = _CRC24_INIT
    for bit in bits.astype(np.uint8).tolist():
        reg ^= bit << 23
        reg = ((reg << 1) ^ _CRC24_POLY) if reg & 0x800000 else (reg << 1)
        reg &= 0xFFFFFF
    return np.array([(reg >> (23 - i)) & 1 for i in range(24)], dtype=np.uint8)


def _scrambler() -> np.ndarray:
    return np.random.default_rng(_SCRAMBLE_SEED).integers(0, 2, MESSAGE_BITS, dtype=np.uint8)


def encode_message(payload_bits: np.ndarray) -> np.ndarray:
    """48 payload bits → 234 coded bits (uint8 0/1)."""
    if payload_bits.shape != (PAYLOAD_BITS,):
        raise ValueError(f"payload_bits must have shape ({PAYLOAD_BITS},), got {payload_bits.shape}")
    message = np.concatenate([payload_bits.astype(np.uint8), crc24(payload_bits)]) ^ _scrambler()
    return convolve(message)


def convolve(message: np.ndarray) -> np.ndarray:
    """Zero-terminated convolutional encoding: bits → (len + 6) · 3 coded bits."""
    state, out = 0, list[int]()
    for bit in np.concatenate([message, np.zeros(TAIL_BITS, np.uint8)]).tolist():
        register = (state << 1) | bit
        out.extend(bin(register & g).count("1") & 1 for g in GENERATORS)
        state = register & (_STATES - 1)
    return np.array(out, dtype=np.uint8)


def _trellis() -> tuple[np.ndarray, np.ndarray]:
    """For each next state: its two predecessor states and the ±1 outputs of those branches."""
    previous = np.zeros((_STATES, 2), np.int64)
    outputs = np.zeros((_STATES, 2, len(GENERATORS)), np.float64)
    for nxt in range(_STATES):
        bit = nxt & 1
        for high in range(2):
            state = (nxt >> 1) | (high << (CONSTRAINT - 2))
            register = (state << 1) | bit
            previous[nxt, high] = state
            outputs[nxt, high] = [2.0 * (bin(register & g).count("1") & 1) - 1.0 for g in GENERATORS]
    return previous, outputs


_PREVIOUS, _OUTPUTS = _trellis()


def viterbi(soft: np.ndarray) -> np.ndarray:
    """Maximum-likelihood decoding of soft coded bits (positive = 1) → the message bits.

    Branch metric: correlation of the soft values with the branch's ±1 outputs, which is the
    log-likelihood for Gaussian noise up to constants (Viterbi 1967; e.g. Lin & Costello ch. 12).
    """
    n = len(GENERATORS)
    steps = soft.reshape(-1, n).astype(np.float64)
    metric = np.full(_STATES, -np.inf)
    metric[0] = 0.0  # the encoder starts in state 0
    choices = np.zeros((len(steps), _STATES), np.int64)
    for t, received in enumerate(steps):
        branch = metric[_PREVIOUS] + _OUTPUTS @ received  # (states, 2)
        choice = np.argmax(branch, axis=1)
        choices[t] = choice
        metric = branch[np.arange(_STATES), choice]
    state, bits = 0, []  # the tail brings the encoder back to state 0
    for t in range(len(steps) - 1, -1, -1):
        bits.append(state & 1)
        state = int(_PREVIOUS[state, choices[t, state]])
    decoded = np.array(bits[::-1], dtype=np.uint8)
    return decoded[: len(steps) - TAIL_BITS]


def decode_message(soft: np.ndarray) -> tuple[np.ndarray, bool, int]:
    """234 soft coded bits → (48 payload bits, CRC ok, coded-bit errors corrected)."""
    message = viterbi(soft)
    reencoded = convolve(message)
    errors = int(np.count_nonzero((soft > 0) != (reencoded == 1)))
    plain = message ^ _scrambler()
    payload, check = plain[:PAYLOAD_BITS], plain[PAYLOAD_BITS:]
    return payload, bool(np.array_equal(crc24(payload), check)), errors
