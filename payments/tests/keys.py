"""RSA keys generated for a test run, written as PEM files the shop reads like real ones."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@dataclass
class KeyPair:
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def public(self) -> rsa.RSAPublicKey:
        return self.private.public_key()

    def private_pem(self) -> str:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def write(self, directory: Path, name: str) -> tuple[str, str]:
        """(private key file, public key file)."""
        private, public = directory / f"{name}_key.pem", directory / f"{name}_pub.pem"
        private.write_text(self.private_pem())
        public.write_text(self.public_pem())
        return str(private), str(public)

    def sign(self, message: str) -> str:
        """SHA256withRSA (PKCS#1 v1.5), base64: what both WeChat Pay v3 and Alipay RSA2 use."""
        raw = self.private.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode()

    def verify(self, message: str, signature: str) -> bool:
        try:
            self.public.verify(
                base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:  # InvalidSignature, bad base64
            return False
        return True
