//! keystore (being written).
