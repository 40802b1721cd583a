//! TLS like a real VBO server with a private CA: a CA generated at start signs the server's
//! certificate, and the CA's PEM is written to a file that clients can trust.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// The CA certificate and where it was written.
#[derive(Debug)]
pub struct CaFile {
    /// The CA certificate, PEM.
    pub pem: String,
    /// The file holding it.
    pub path: PathBuf,
    /// A directory made for it, removed at shutdown.
    temp_dir: Option<PathBuf>,
}

impl CaFile {
    /// Removes the temporary directory, if the simulator made one.
    pub fn remove(&self) {
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// What the server needs: its certificate chain and key, as DER. The key never leaves memory.
pub struct ServerIdentity {
    pub chain: Vec<Vec<u8>>,
    pub key: Vec<u8>,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("chain", &format!("{} certificates", self.chain.len()))
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Makes a CA and a server certificate for `localhost`, the loopback addresses and `addr`,
/// and writes the CA to `ca_dir` (or a new temporary directory).
pub fn generate(addr: IpAddr, ca_dir: Option<&Path>) -> Result<(CaFile, ServerIdentity), String> {
    let err = |what: &str, e: rcgen::Error| format!("{what}: {e}");
    let ca_key = KeyPair::generate().map_err(|e| err("CA key", e))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err("CA", e))?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "vbo365 simulator CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| err("CA certificate", e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    if !addr.is_unspecified() && !addr.is_loopback() {
        names.push(addr.to_string());
    }
    let mut params = CertificateParams::new(names).map_err(|e| err("server", e))?;
    params
        .distinguished_name
        .push(DnType::CommonName, "vbo365 simulator");
    params.is_ca = IsCa::NoCa;
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().map_err(|e| err("server key", e))?;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| err("server certificate", e))?;

    let (dir, temp_dir) = match ca_dir {
        Some(dir) => (dir.to_path_buf(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("vbo365-sim-{}", uuid::Uuid::new_v4()));
            (dir.clone(), Some(dir))
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let path = dir.join("vbo365-sim-ca.pem");
    let pem = ca_cert.pem();
    std::fs::write(&path, &pem).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok((
        CaFile {
            pem,
            path,
            temp_dir,
        },
        ServerIdentity {
            chain: vec![cert.der().to_vec()],
            key: key.serialize_der(),
        },
    ))
}
