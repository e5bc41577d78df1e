//! The passport steps every flow that reads a document shares (help pages 003 and 004, and
//! the passport activation), exported once per flow from one definition.

/// Exports the document steps' actions on `$flow`, whose steps are `$step`: each forwards to
/// the core flow's action of the same name.
macro_rules! document_steps {
    ($flow:ident, $step:ident) => {
        $crate::flows::flow_actions! {
            $flow.0 -> $step {
                /// "Accept" on the passport check's terms and conditions.
                fn accept_terms();
                /// Where the passport or ID card is from: Denmark, or abroad (then the P-code
                /// first).
                fn choose_document_origin(origin: mitid_core::flows::DocumentOrigin);
                /// The passport's document number, date of birth and date of expiry (`YYMMDD`).
                fn submit_document_details(
                    document_number: String,
                    birth_date: String,
                    expiry_date: String,
                );
                /// The text the camera's text recognition read off the data page: the
                /// machine-readable zone in it gives the details, its check digits verified
                /// (`mrz_unreadable` otherwise: scan again or type them).
                fn submit_mrz(text: String);
                /// The 8-digit P-code from citizen service, for a document from abroad.
                fn submit_p_code(p_code: String);
                /// "I have used my P-code before", when it was asked for before the details.
                fn skip_p_code();
                /// The face the camera captured (JPEG): the server checks the document, its
                /// owner and the face now.
                fn submit_face(capture: mitid_protocol::wire::SecretBytes);
            }
        }

        #[uniffi::export]
        impl $flow {
            /// Reads the chip over the phone's NFC `link`.
            pub async fn read_chip(
                &self,
                link: ::std::sync::Arc<dyn $crate::platform::PlatformNfcLink>,
            ) -> Result<$step, $crate::errors::MitidError> {
                let flow = ::std::sync::Arc::clone(&self.0);
                let link = Box::new($crate::platform::NfcLinkAdapter(link));
                $crate::runtime::call(async move { flow.read_chip(link).await }).await
            }
        }
    };
}
pub(crate) use document_steps;
