//! placeholder (lead): replace with the real tests.
