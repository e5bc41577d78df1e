//! The demo's journey, step by step, each checked against what the help pages say.
//!
//! Every step drives the real core (the app's flows) and plays the other roles over HTTPS.
//! A step returns `Err(reason)` as soon as something behaves otherwise than expected; the
//! notes it collected tell what happened up to there.

use mitid_core::app::Confirm;
use mitid_core::app::{HomeAction, UserStatus, UserSummary};
use mitid_core::error::MitidError;
use mitid_core::flows::{
    ActivationFlow, ActivationStep, ApprovalFactor, ApprovalFlow, ApprovalOutcome, ApprovalStep,
    NewPinStart, NewPinStep,
};
use mitid_core::pin::{Language, PinRejection};
use mitid_protocol::wire::{Factor, TransactionStatus};
use mitid_server::Policy;
use zeroize::Zeroizing;

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
    /// Biometrics on; a login approved with biometrics.
    Biometrics,
    /// User ID change: taken, then accepted.
    UserId,
    /// Peter on the same app.
    SecondUser,
}

/// Every step after the server start.
pub const STEPS: [Step; 12] = [
    Step::CreateCitizens,
    Step::ActivationCode,
    Step::Activate,
    Step::WeakPin,
    Step::ChoosePin,
    Step::Approve,
    Step::WrongPins,
    Step::TemporaryPin,
    Step::ResetPin,
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
            Self::Biometrics => "Biometrics on (confirmed with the PIN); a login approved with biometrics",
            Self::UserId => "Changing the user ID: 'peter.demo' is refused as taken, 'karen.mitid' is accepted",
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

    async fn create_citizens(&mut self) -> Result<(), String> {
        for citizen in [&KAREN, &PETER] {
            let person = self.world.create_person(citizen).await?;
            if person.user_id != citizen.user_id {
                return Err(format!(
                    "the registry gave user ID {} instead of {}",
                    person.user_id, citizen.user_id
                ));
            }
            self.note(format!(
                "{} (person {}), user ID {}, mobile {}",
                person.name,
                person.person_id,
                person.user_id,
                masked_number(citizen.mobile)
            ));
        }
        Ok(())
    }

    async fn activation_code(&mut self) -> Result<(), String> {
        let code = self.sms_code(&KAREN, CodeKind::Activation).await?;
        self.activation_code = Some(code);
        Ok(())
    }

    async fn activate(&mut self) -> Result<(), String> {
        let code = self
            .activation_code
            .take()
            .ok_or("no activation code was issued")?;
        let flow = self.world.app.start_activation();
        let since = self.world.sent_so_far();
        let sent_to = enter_user_id_and_code(&flow, KAREN.user_id, &code, self.lang).await?;
        self.note(format!(
            "The app: a temporary PIN was sent by SMS to {sent_to}"
        ));
        let temporary = self.read_sms_code(since, &KAREN, CodeKind::TemporaryPin)?;
        let step = flow
            .submit_temporary_pin(temporary.to_string())
            .await
            .map_err(|e| format!("the temporary PIN was refused: {}", self.told(&e)))?;
        expect_step(
            &step,
            matches!(step, ActivationStep::ChooseNewPin),
            "choose a new PIN",
        )?;
        self.note("The app asks for a new 6-digit PIN");
        self.activation = Some(flow);
        Ok(())
    }

    async fn weak_pin(&mut self) -> Result<(), String> {
        let flow = self
            .activation
            .as_ref()
            .ok_or("no activation in progress")?;
        match flow.submit_new_pin(WEAK_PIN.to_owned()).await {
            Err(MitidError::PinRejected { reason })
                if matches!(reason, PinRejection::Sequence | PinRejection::Blocklisted) =>
            {
                let still = flow.step();
                expect_step(
                    &still,
                    matches!(still, ActivationStep::ChooseNewPin),
                    "choose a new PIN again",
                )?;
                self.note(format!(
                    "{WEAK_PIN} refused: {} — {}",
                    reason.code(),
                    reason.message(self.lang)
                ));
                Ok(())
            }
            Err(other) => Err(format!(
                "expected pin_sequence or pin_blocklisted, got {}",
                self.told(&other)
            )),
            Ok(step) => Err(format!("the weak PIN was accepted (now at {step:?})")),
        }
    }

    async fn choose_pin(&mut self) -> Result<(), String> {
        let flow = self.activation.take().ok_or("no activation in progress")?;
        let pin = random_good_pin(KAREN.birth_date, &[])?;
        let (user, _) = choose_pin_and_finish(&flow, &pin, self.lang).await?;
        if user.status != UserStatus::Ready {
            return Err(format!(
                "the new app is {}, not ready",
                user.status.as_str()
            ));
        }
        self.note(format!(
            "The app is activated for {} (app {}); biometrics: not now",
            user.user_id, user.authenticator_id
        ));
        self.pin = pin;
        self.karen = Some(user);
        Ok(())
    }

    async fn approve(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let login = self.world.bank_login(&karen.user_id).await?;
        let code = login.code.clone().ok_or("Demo Bank got no code to show")?;
        self.note(format!("{BANK} shows the code {code}"));
        let flow = self.approval_for(&karen)?;
        self.bind(&flow, &login.transaction_id, &code).await?;
        let step = flow
            .approve_with_pin(self.pin.to_string())
            .await
            .map_err(|e| format!("the approval failed: {}", self.told(&e)))?;
        expect_step(
            &step,
            step == ApprovalStep::Done {
                outcome: ApprovalOutcome::Approved,
            },
            "approved",
        )?;
        self.note("Karen types the code and approves with her PIN");
        self.expect_bank_result(
            &login.transaction_id,
            TransactionStatus::Approved,
            Some(Factor::Pin),
        )
        .await
    }

    async fn wrong_pins(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let login = self.world.bank_login(&karen.user_id).await?;
        let code = login.code.clone().ok_or("Demo Bank got no code to show")?;
        self.note(format!("{BANK} shows the code {code}"));
        let flow = self.approval_for(&karen)?;
        self.bind(&flow, &login.transaction_id, &code).await?;
        let wrong = random_good_pin(KAREN.birth_date, &[self.pin.as_str()])?;
        for attempt in 1..=3u32 {
            let result = flow.approve_with_pin(wrong.to_string()).await;
            match (attempt, result) {
                (1 | 2, Err(MitidError::WrongPin { remaining })) if remaining == 3 - attempt => {
                    self.note(format!(
                        "Wrong PIN #{attempt}: {}",
                        self.told(&MitidError::WrongPin { remaining })
                    ));
                    let step = flow.step();
                    expect_step(
                        &step,
                        matches!(step, ApprovalStep::ChooseFactor { .. }),
                        "try the PIN again",
                    )?;
                }
                (
                    3,
                    Err(
                        error @ (MitidError::TemporarilyLocked
                        | MitidError::WrongPin { remaining: 0 }),
                    ),
                ) => {
                    self.note(format!("Wrong PIN #3: {}", self.told(&error)));
                }
                (_, Err(other)) => {
                    return Err(format!("wrong PIN #{attempt}: got {}", self.told(&other)))
                }
                (_, Ok(step)) => {
                    return Err(format!("wrong PIN #{attempt} was accepted ({step:?})"))
                }
            }
        }
        let status = self
            .world
            .app
            .status(&karen.local_id)
            .await
            .map_err(|e| format!("the app's status: {}", self.told(&e)))?;
        if status.status != UserStatus::TemporarilyLocked {
            return Err(format!(
                "the app is {}, not temporarily_locked",
                status.status.as_str()
            ));
        }
        // Help page 003: a temporarily locked app offers "Change PIN code" on its home screen.
        let home = self.world.app.home().map_err(|e| self.told(&e))?;
        let offers_reset = home
            .users
            .iter()
            .find(|u| u.user.local_id == karen.local_id)
            .is_some_and(|u| u.actions.contains(&HomeAction::TemporaryPin));
        if !offers_reset {
            return Err("the locked app's home screen does not offer a temporary PIN".to_owned());
        }
        self.note(format!(
            "Home screen: {}",
            MitidError::TemporarilyLocked.message(self.lang)
        ));
        // The wrong PIN that locked the app also ended the login: the bank is told at once.
        let result = self.world.bank_result(&login.transaction_id).await?;
        if result.status != TransactionStatus::Failed {
            return Err(format!(
                "{BANK} sees its login as {}, not failed",
                result.status.as_str()
            ));
        }
        self.note(format!("{BANK} receives: {}", result.status.as_str()));
        Ok(())
    }

    async fn temporary_pin(&mut self) -> Result<(), String> {
        let code = self.sms_code(&KAREN, CodeKind::TemporaryPin).await?;
        self.temporary_pin = Some(code);
        Ok(())
    }

    async fn reset_pin(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let temporary = self
            .temporary_pin
            .take()
            .ok_or("no temporary PIN was issued")?;
        let flow = self
            .world
            .app
            .new_pin_flow(&karen.local_id, NewPinStart::TemporaryPin)
            .map_err(|e| format!("no temporary-PIN flow: {}", self.told(&e)))?;
        let step = flow
            .submit_temporary_pin(temporary.to_string())
            .await
            .map_err(|e| format!("the temporary PIN: {}", self.told(&e)))?;
        expect_step(&step, step == NewPinStep::ChooseNewPin, "choose a new PIN")?;
        let new_pin = random_good_pin(KAREN.birth_date, &[self.pin.as_str()])?;
        flow.submit_new_pin(new_pin.to_string())
            .await
            .map_err(|e| format!("the new PIN: {}", self.told(&e)))?;
        let mut step = flow
            .submit_repeat_pin(new_pin.to_string())
            .await
            .map_err(|e| format!("the repeated PIN: {}", self.told(&e)))?;
        if let NewPinStep::ChooseBiometrics { .. } = step {
            step = flow
                .choose_biometrics(false)
                .await
                .map_err(|e| format!("the biometrics choice: {}", self.told(&e)))?;
        }
        expect_step(&step, step == NewPinStep::Done, "done")?;
        self.pin = new_pin;
        let status = self
            .world
            .app
            .status(&karen.local_id)
            .await
            .map_err(|e| format!("the app's status: {}", self.told(&e)))?;
        if status.status != UserStatus::Ready {
            return Err(format!("the app is {}, not ready", status.status.as_str()));
        }
        self.note("The new PIN is in force; the app is ready for use");
        Ok(())
    }

    async fn biometrics(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        self.world
            .app
            .enable_biometrics(&karen.local_id, self.pin.to_string())
            .await
            .map_err(|e| format!("enabling biometrics: {}", self.told(&e)))?;
        let on = self
            .world
            .app
            .users()
            .map_err(|e| self.told(&e))?
            .iter()
            .any(|u| u.local_id == karen.local_id && u.biometrics_enabled);
        if !on {
            return Err("biometrics are not on after enabling them".to_owned());
        }
        self.note("Approve with biometrics: on");
        let login = self.world.bank_login(&karen.user_id).await?;
        let code = login.code.clone().ok_or("Demo Bank got no code to show")?;
        self.note(format!("{BANK} shows the code {code}"));
        let flow = self.approval_for(&karen)?;
        let factors = self.bind(&flow, &login.transaction_id, &code).await?;
        if !factors.contains(&ApprovalFactor::Biometrics) {
            return Err(format!("biometrics are not offered (offered: {factors:?})"));
        }
        let step = flow
            .approve_with_biometrics()
            .await
            .map_err(|e| format!("approving with biometrics: {}", self.told(&e)))?;
        expect_step(
            &step,
            step == ApprovalStep::Done {
                outcome: ApprovalOutcome::Approved,
            },
            "approved",
        )?;
        self.note("Karen types the code and approves with her fingerprint (simulated sensor)");
        self.expect_bank_result(
            &login.transaction_id,
            TransactionStatus::Approved,
            Some(Factor::Biometrics),
        )
        .await
    }

    async fn user_id(&mut self) -> Result<(), String> {
        let karen = self.karen()?;
        let shown = self
            .world
            .app
            .view_user_id(&karen.local_id)
            .await
            .map_err(|e| format!("viewing the user ID: {}", self.told(&e)))?;
        self.note(format!("View user ID: {shown}"));
        // Help page 000: the change is requested (with the PIN) and possible an hour later.
        let pin = self.pin.clone();
        let confirm = || Confirm::Pin {
            pin: pin.as_str().to_owned(),
        };
        let window = self
            .world
            .app
            .request_profile_change(&karen.local_id, confirm())
            .await
            .map_err(|e| format!("requesting the change: {}", self.told(&e)))?;
        let early = self
            .world
            .app
            .change_user_id(&karen.local_id, NEW_USER_ID.to_owned(), confirm())
            .await;
        match early {
            Err(error @ MitidError::NotYetAllowed { .. }) => {
                self.note(format!("Change requested; at once: {}", self.told(&error)));
            }
            other => return Err(format!("expected not_yet_allowed, got {other:?}")),
        }
        self.world.clock.set(window.opens_at);
        self.note("An hour later (the demo moves its clock on):".to_owned());
        let taken = self
            .world
            .app
            .change_user_id(&karen.local_id, PETER.user_id.to_owned(), confirm())
            .await;
        match taken {
            Err(error @ MitidError::UserIdTaken) => {
                self.note(format!(
                    "'{}' refused: {}",
                    PETER.user_id,
                    self.told(&error)
                ));
            }
            Err(other) => return Err(format!("expected user_id_taken, got {}", self.told(&other))),
            Ok(now) => return Err(format!("Peter's user ID was given to Karen ({now})")),
        }
        let now = self
            .world
            .app
            .change_user_id(&karen.local_id, NEW_USER_ID.to_owned(), confirm())
            .await
            .map_err(|e| format!("changing to {NEW_USER_ID}: {}", self.told(&e)))?;
        if now != NEW_USER_ID {
            return Err(format!("the user ID is now {now}, not {NEW_USER_ID}"));
        }
        self.note(format!(
            "'{NEW_USER_ID}' accepted: the user ID is now {now}"
        ));
        Ok(())
    }

    async fn second_user(&mut self) -> Result<(), String> {
        let code = self.sms_code(&PETER, CodeKind::Activation).await?;
        let flow = self.world.app.start_activation();
        let since = self.world.sent_so_far();
        enter_user_id_and_code(&flow, PETER.user_id, &code, self.lang).await?;
        let temporary = self.read_sms_code(since, &PETER, CodeKind::TemporaryPin)?;
        let step = flow
            .submit_temporary_pin(temporary.to_string())
            .await
            .map_err(|e| format!("the temporary PIN was refused: {}", self.told(&e)))?;
        expect_step(
            &step,
            matches!(step, ActivationStep::ChooseNewPin),
            "choose a new PIN",
        )?;
        let pin = random_good_pin(PETER.birth_date, &[])?;
        let (peter, turned_off) = choose_pin_and_finish(&flow, &pin, self.lang).await?;
        let users = self.world.app.users().map_err(|e| self.told(&e))?;
        if users.len() != 2 || !users.iter().all(|u| u.status == UserStatus::Ready) {
            return Err(format!("expected two ready users, found {}", users.len()));
        }
        for user in users.iter().filter(|u| turned_off.contains(&u.local_id)) {
            self.note(format!(
                "Biometrics turned off for {}: {}",
                user.user_id,
                MitidError::BiometricsNeedSingleUser.message(self.lang)
            ));
        }
        for user in &users {
            self.note(format!(
                "User on this app: {}{}{}",
                user.user_id,
                if user.biometrics_enabled {
                    ", biometrics on"
                } else {
                    ", biometrics off"
                },
                if user.local_id == peter.local_id {
                    " (selected)"
                } else {
                    ""
                }
            ));
        }
        Ok(())
    }

    // ------------------------------------------------------------------ helpers

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
