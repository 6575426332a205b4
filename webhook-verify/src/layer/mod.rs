pub struct Verify;
pub struct VerifyLayer;
