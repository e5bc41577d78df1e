//! The demo's journey, step by step, each checked against what the help pages say.
//!
//! Every step drives the real core (the app's flows) and plays the other roles over HTTPS.
//! A step returns `Err(reason)` as soon as something behaves otherwise than expected; the
//! notes it collected tell what happened up to there.

use mitid_core::app::{HomeAction, UserStatus, UserSummary};
use mitid_core::error::MitidError;
use mitid_core::flows::{
    ActivationFlow, ActivationStep, ApprovalFactor, ApprovalFlow, ApprovalOutcome, ApprovalStep,
    NewPinFlow, NewPinStart, NewPinStep,
};
use mitid_core::pin::{Language, PinRejection};
use mitid_protocol::wire::rp::CreateAuthenticationResponse;
use mitid_protocol::wire::{Factor, TransactionStatus};
use mitid_server::Policy;
use mitid_testing::ShownCode;
use zeroize::Zeroizing;

mod passport;
mod steps;

use super::world::{code_in, random_good_pin, Citizen, World, BANK, KAREN, PETER};
use crate::output::masked_number;

/// The weak PIN the demo tries first: shown on purpose, it is refused.
pub const WEAK_PIN: &str = "123456";

/// The user ID Karen changes to after finding Peter's taken.
pub const NEW_USER_ID: &str = "karen.mitid";

/// How long the app waits for a login request to arrive.
const POLL_SECONDS: u32 = 10;

/// The steps after the server is up, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The registry creates Karen and Peter.
    CreateCitizens,
    /// Support sends Karen an activation code.
    ActivationCode,
    /// The app takes the user ID, the activation code and the temporary PIN.
    Activate,
    /// A weak PIN is refused with its reason.
    WeakPin,
    /// A good PIN, typed twice: the app is created.
    ChoosePin,
    /// Demo Bank's login approved with the code and the PIN.
    Approve,
    /// Three wrong PINs: temporarily locked.
    WrongPins,
    /// Support sends a temporary PIN.
    TemporaryPin,
    /// Temporary PIN → new PIN: ready again.
    ResetPin,
    /// "Forgot your PIN code?" with the passport: the simulated chip, the face, a new PIN.
    Passport,
    /// Biometrics on; a login approved with biometrics.
    Biometrics,
    /// View user ID after the passport and face; change it: taken, then saved.
    UserId,
    /// Peter on the same app.
    SecondUser,
}

/// Every step after the server start.
pub const STEPS: [Step; 13] = [
    Step::CreateCitizens,
    Step::ActivationCode,
    Step::Activate,
    Step::WeakPin,
    Step::ChoosePin,
    Step::Approve,
    Step::WrongPins,
    Step::TemporaryPin,
    Step::ResetPin,
    Step::Passport,
    Step::Biometrics,
    Step::UserId,
    Step::SecondUser,
];

impl Step {
    /// The line the demo prints for the step.
    pub fn title(self) -> &'static str {
        match self {
            Self::CreateCitizens => "The registry creates citizens 'karen.demo' and 'peter.demo'",
            Self::ActivationCode => "The support desk identifies Karen and sends an activation code by SMS",
            Self::Activate => "Activating the app for 'karen.demo': activation code, then the temporary PIN from the SMS",
            Self::WeakPin => "Choosing the PIN 123456 is refused with its reason",
            Self::ChoosePin => "Choosing a good PIN (typed twice, never shown): the app is activated",
            Self::Approve => "Demo Bank asks Karen to log in: the 4-digit code and the PIN approve it",
            Self::WrongPins => "Three wrong PINs at the next login: the app is temporarily locked",
            Self::TemporaryPin => "The support desk identifies Karen and sends a temporary PIN by SMS",
            Self::ResetPin => "Temporary PIN code, then a new PIN (typed twice): the app is ready again",
            Self::Passport => "Forgot the PIN again: passport (a simulated chip stands in for it) and face (a test double compares), then a new PIN",
            Self::Biometrics => "Biometrics on (confirmed with the PIN); a login approved with biometrics",
            Self::UserId => "View user ID after the passport and face; changing it: 'peter.demo' is refused as taken, 'karen.mitid' is saved",
            Self::SecondUser => "A second user on the same app: 'peter.demo' activates",
        }
    }
}

/// The journey's state between steps.
pub struct Journey {
    world: World,
    lang: Language,
    notes: Vec<String>,
    activation_code: Option<Zeroizing<String>>,
    temporary_pin: Option<Zeroizing<String>>,
    activation: Option<ActivationFlow>,
    karen: Option<UserSummary>,
    pin: Zeroizing<String>,
}

impl Journey {
    /// A journey in `world`, telling errors in `lang`.
    pub fn new(world: World, lang: Language) -> Self {
        Self {
            world,
            lang,
            notes: Vec::new(),
            activation_code: None,
            temporary_pin: None,
            activation: None,
            karen: None,
            pin: Zeroizing::new(String::new()),
        }
    }

    /// The notes of the step just run (emptied).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Ends the journey: stops the server.
    pub async fn finish(self) {
        self.world.stop().await;
    }

    /// Runs one step.
    pub async fn run(&mut self, step: Step) -> Result<(), String> {
        match step {
            Step::CreateCitizens => self.create_citizens().await,
            Step::ActivationCode => self.activation_code().await,
            Step::Activate => self.activate().await,
            Step::WeakPin => self.weak_pin().await,
            Step::ChoosePin => self.choose_pin().await,
            Step::Approve => self.approve().await,
            Step::WrongPins => self.wrong_pins().await,
            Step::TemporaryPin => self.temporary_pin().await,
            Step::ResetPin => self.reset_pin().await,
            Step::Passport => self.passport().await,
            Step::Biometrics => self.biometrics().await,
            Step::UserId => self.user_id().await,
            Step::SecondUser => self.second_user().await,
        }
    }

    fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    /// "wrong_pin: Wrong PIN. You have 2 tries left."
    fn told(&self, error: &MitidError) -> String {
        format!("{}: {}", error.code(), error.message(self.lang))
    }

    fn karen(&self) -> Result<UserSummary, String> {
        self.karen
            .clone()
            .ok_or_else(|| "Karen's app is not activated".to_owned())
    }

    // ------------------------------------------------------------------ the steps

    /// Support issues a code by SMS to `citizen`; the phone shows the SMS; returns the code.
    async fn sms_code(
        &mut self,
        citizen: &Citizen,
        kind: CodeKind,
    ) -> Result<Zeroizing<String>, String> {
        let since = self.world.sent_so_far();
        let issued = match kind {
            CodeKind::Activation => self.world.support_activation_code(citizen).await?,
            CodeKind::TemporaryPin => {
                let karen = self.karen()?;
                self.world
                    .support_temporary_pin(citizen, &karen.authenticator_id)
                    .await?
            }
        };
        if issued.sms_sent_to.is_none() {
            return Err("support issued the code, but not by SMS".to_owned());
        }
        self.read_sms_code(since, citizen, kind)
    }

    /// Reads the code from the newest SMS of `kind` (showing it: the phone's role).
    fn read_sms_code(
        &mut self,
        since: usize,
        citizen: &Citizen,
        kind: CodeKind,
    ) -> Result<Zeroizing<String>, String> {
        let sms = self.world.sms_since(since, citizen, kind.outbox_kind())?;
        self.note(format!(
            "SMS to {}: {}",
            masked_number(citizen.mobile),
            sms.text.as_str()
        ));
        code_in(&sms.text, kind.digits())
            .map(Zeroizing::new)
            .ok_or_else(|| format!("no {}-digit code in the SMS", kind.digits()))
    }

    fn approval_for(&self, user: &UserSummary) -> Result<ApprovalFlow, String> {
        self.world
            .app
            .approval_flow(&user.local_id)
            .map_err(|e| format!("no approval flow: {}", self.told(&e)))
    }

    /// A Demo Bank login for `user`, bound in the app: the login, the flow at the factor
    /// choice, and the factors offered.
    async fn bank_login_in_app(
        &mut self,
        user: &UserSummary,
    ) -> Result<
        (
            CreateAuthenticationResponse,
            ApprovalFlow,
            Vec<ApprovalFactor>,
        ),
        String,
    > {
        let login = self.world.bank_login(&user.user_id).await?;
        let code = login
            .shown_code()
            .map_err(|_| "Demo Bank got no code to show".to_owned())?;
        self.note(format!("{BANK} shows the code {code}"));
        let flow = self.approval_for(user)?;
        let factors = self.bind(&flow, &login.transaction_id, &code).await?;
        Ok((login, flow, factors))
    }

    /// Checks that `step` ends the approval, notes `what`, and that Demo Bank received the
    /// approval of `transaction_id` with `factor`.
    async fn approved_at_bank(
        &mut self,
        step: &ApprovalStep,
        transaction_id: &str,
        factor: Factor,
        what: &str,
    ) -> Result<(), String> {
        let done = ApprovalStep::Done {
            outcome: ApprovalOutcome::Approved,
        };
        expect_step(step, *step == done, "approved")?;
        self.note(what);
        let approved = TransactionStatus::Approved;
        self.expect_bank_result(transaction_id, approved, Some(factor))
            .await
    }

    /// Waits for the login `transaction_id`, checks what the app shows, types `code`;
    /// returns the factors offered.
    async fn bind(
        &mut self,
        flow: &ApprovalFlow,
        transaction_id: &str,
        code: &str,
    ) -> Result<Vec<ApprovalFactor>, String> {
        let step = flow
            .poll(POLL_SECONDS)
            .await
            .map_err(|e| format!("waiting for the request: {}", self.told(&e)))?;
        let ApprovalStep::EnterChannelBinding { request } = step else {
            return Err(format!("no request arrived ({step:?})"));
        };
        if request.transaction_id != transaction_id || request.service_provider != BANK {
            return Err(format!(
                "the app shows another request: {} from {}",
                request.transaction_id, request.service_provider
            ));
        }
        self.note(format!(
            "The app shows: {} — “{}” / “{}”",
            request.service_provider, request.reference_header, request.reference_body
        ));
        match flow.enter_code(code.to_owned()).await {
            Ok(ApprovalStep::ChooseFactor { factors, .. })
                if factors.contains(&ApprovalFactor::Pin) =>
            {
                Ok(factors)
            }
            Ok(other) => Err(format!("after the code the app is at {other:?}")),
            Err(e) => Err(format!("typing the code: {}", self.told(&e))),
        }
    }

    async fn expect_bank_result(
        &mut self,
        transaction_id: &str,
        status: TransactionStatus,
        factor: Option<Factor>,
    ) -> Result<(), String> {
        let result = self.world.bank_result(transaction_id).await?;
        if result.status != status || result.factor != factor {
            return Err(format!(
                "{BANK} received {} with {:?}, expected {} with {factor:?}",
                result.status.as_str(),
                result.factor,
                status.as_str()
            ));
        }
        self.note(format!(
            "{BANK} receives: {}{}{}",
            result.status.as_str(),
            result
                .factor
                .map(|f| format!(" with {}", f.as_str()))
                .unwrap_or_default(),
            result
                .user_id
                .map(|u| format!(" for {u}"))
                .unwrap_or_default()
        ));
        Ok(())
    }
}

/// The codes the demo reads from an SMS.
#[derive(Debug, Clone, Copy)]
enum CodeKind {
    Activation,
    TemporaryPin,
}

impl CodeKind {
    fn outbox_kind(self) -> &'static str {
        match self {
            Self::Activation => "activation_code",
            Self::TemporaryPin => "temporary_pin",
        }
    }

    /// The default policy's code lengths (the demo's server runs the default policy).
    fn digits(self) -> usize {
        let policy = Policy::default();
        match self {
            Self::Activation => policy.activation_code_digits,
            Self::TemporaryPin => policy.temporary_pin_digits,
        }
    }
}

/// Activation: the user ID, then the activation code; returns where the SMS went.
async fn enter_user_id_and_code(
    flow: &ActivationFlow,
    user_id: &str,
    code: &str,
    lang: Language,
) -> Result<String, String> {
    let told = |e: MitidError| format!("{}: {}", e.code(), e.message(lang));
    let step = flow
        .submit_user_id(user_id.to_owned())
        .await
        .map_err(|e| format!("the user ID was refused: {}", told(e)))?;
    expect_step(
        &step,
        matches!(step, ActivationStep::EnterActivationCode { .. }),
        "enter the activation code",
    )?;
    match flow.submit_activation_code(code.to_owned()).await {
        Ok(ActivationStep::EnterTemporaryPin { sms_sent_to, .. }) => Ok(sms_sent_to),
        Ok(other) => Err(format!("after the activation code the app is at {other:?}")),
        Err(e) => Err(format!("the activation code was refused: {}", told(e))),
    }
}

/// Activation: the new PIN twice, no biometrics, no notifications; returns the new user
/// and the local ids of users whose biometrics were turned off (the app now has several).
async fn choose_pin_and_finish(
    flow: &ActivationFlow,
    pin: &str,
    lang: Language,
) -> Result<(UserSummary, Vec<String>), String> {
    let told = |e: MitidError| format!("{}: {}", e.code(), e.message(lang));
    let step = flow
        .submit_new_pin(pin.to_owned())
        .await
        .map_err(|e| format!("the PIN was refused: {}", told(e)))?;
    expect_step(
        &step,
        step == ActivationStep::RepeatNewPin,
        "repeat the PIN",
    )?;
    let mut step = flow
        .submit_repeat_pin(pin.to_owned())
        .await
        .map_err(|e| format!("creating the app: {}", told(e)))?;
    // The remaining questions, whichever the app asks (biometrics only with one user).
    loop {
        step = match step {
            ActivationStep::ChooseBiometrics => flow.choose_biometrics(false).await,
            ActivationStep::ChooseNotifications => flow.choose_notifications(false).await,
            ActivationStep::Done {
                user,
                biometrics_turned_off_for,
            } => return Ok((user, biometrics_turned_off_for)),
            other => return Err(format!("the activation stopped at {other:?}")),
        }
        .map_err(|e| format!("finishing the activation: {}", told(e)))?;
    }
}

fn expect_step<S: std::fmt::Debug>(step: &S, ok: bool, wanted: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected the app to {wanted}, but it is at {step:?}"
        ))
    }
}
