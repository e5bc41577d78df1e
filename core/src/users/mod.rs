//! users (being written).
