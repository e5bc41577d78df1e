//! The passport steps every flow that reads a document shares (help pages 003 and 004, and
//! the passport activation), exported once per flow from one definition.

/// Exports the document steps' actions on `$flow`, whose steps are `$step`: each forwards to
/// the core flow's action of the same name.
macro_rules! document_steps {
    ($flow:ident, $step:ident) => {
        #[uniffi::export]
        impl $flow {
            /// "Accept" on the passport check's terms and conditions.
            pub async fn accept_terms(&self) -> Result<$step, MitidError> {
                let flow = Arc::clone(&self.0);
                call(async move { flow.accept_terms().await }).await
            }

            /// Where the passport or ID card is from: Denmark, or abroad (then the P-code
            /// first).
            pub async fn choose_document_origin(
                &self,
                origin: DocumentOrigin,
            ) -> Result<$step, MitidError> {
                let flow = Arc::clone(&self.0);
                call(async move { flow.choose_document_origin(origin).await }).await
            }

            /// The passport's document number, date of birth and date of expiry (`YYMMDD`).
            pub async fn submit_document_details(
                &self,
                document_number: String,
                birth_date: String,
                expiry_date: String,
            ) -> Result<$step, MitidError> {
                let flow = Arc::clone(&self.0);
                call(async move {
                    flow.submit_document_details(document_number, birth_date, expiry_date)
                        .await
                })
                .await
            }

            /// The text the camera's text recognition read off the data page: the
            /// machine-readable zone in it gives the details, its check digits verified
            /// (`mrz_unreadable` otherwise: scan again or type them).
            pub async fn submit_mrz(&self, text: String) -> Result<$step, MitidError> {
                let flow = Arc::clone(&self.0);
                call(async move { flow.submit_mrz(text).await }).await
            }

            /// Reads the chip over the phone's NFC `link`.
            pub async fn read_chip(
                &self,
                link: Arc<dyn PlatformNfcLink>,
            ) -> Result<$step, MitidError> {
                let flow = Arc::clone(&self.0);
                call(async move { flow.read_chip(Box::new(NfcLinkAdapter(link))).await }).await
            }

            /// The 8-digit P-code from citizen service, for a document from abroad.
            pub async fn submit_p_code(&self, p_code: String) -> Result<$step, MitidError> {
                let flow = Arc::clone(&self.0);
                call(async move { flow.submit_p_code(p_code).await }).await
            }

            /// "I have used my P-code before", when it was asked for before the details.
            pub async fn skip_p_code(&self) -> Result<$step, MitidError> {
                let flow = Arc::clone(&self.0);
                call(async move { flow.skip_p_code().await }).await
            }

            /// The face the camera captured (JPEG): the server checks the document, its
            /// owner and the face now.
            pub async fn submit_face(
                &self,
                capture: mitid_protocol::wire::SecretBytes,
            ) -> Result<$step, MitidError> {
                let flow = Arc::clone(&self.0);
                call(async move { flow.submit_face(capture).await }).await
            }
        }
    };
}
pub(crate) use document_steps;
