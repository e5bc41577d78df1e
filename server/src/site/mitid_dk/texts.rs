//! MitID.dk's texts in Danish and English (the help pages' words where they have them).

use crate::site::i18n::Lang;

/// Every text of the MitID.dk pages, in one language.
#[derive(Debug)]
pub struct DkTexts {
    /// The front page's heading.
    pub welcome: &'static str,
    /// Under it.
    pub intro: &'static str,
    /// The necessary-cookies notice (help page 002).
    pub cookies_title: &'static str,
    /// Its text.
    pub cookies_text: &'static str,
    /// Its button.
    pub cookies_accept: &'static str,
    /// Log in with the app.
    pub login_app: &'static str,
    /// The password log-in's heading.
    pub login_password_title: &'static str,
    /// The user ID field.
    pub user_id: &'static str,
    /// The password field.
    pub password: &'static str,
    /// The code display's code field.
    pub otp: &'static str,
    /// Log in (password).
    pub login: &'static str,
    /// Log out.
    pub logout: &'static str,
    /// A refused password log-in.
    pub login_refused: &'static str,
    /// The session ended (expired or logged out).
    pub session_ended: &'static str,
    /// The profile page's heading.
    pub profile: &'static str,
    /// Field labels of the profile page.
    pub name: &'static str,
    /// Mobile number.
    pub mobile: &'static str,
    /// E-mail.
    pub email: &'static str,
    /// The Password field.
    pub password_field: &'static str,
    /// A password is set.
    pub password_set: &'static str,
    /// No password.
    pub password_none: &'static str,
    /// The Identification methods field.
    pub methods: &'static str,
    /// "View".
    pub view: &'static str,
    /// The list's introduction.
    pub methods_intro: &'static str,
    /// "Send new PIN".
    pub send_new_pin: &'static str,
    /// Why the app used to log in has no "Send new PIN".
    pub own_app_note: &'static str,
    /// The confirmation box (help page 003).
    pub reactivate_box: &'static str,
    /// The confirmation page's text.
    pub reactivate_text: &'static str,
    /// "Continue".
    pub continue_: &'static str,
    /// The box was not ticked.
    pub reactivate_missing: &'static str,
    /// The temporary PIN was sent (before the masked number).
    pub pin_sent: &'static str,
    /// What to do with it in the app (help page 003, steps 7 to 16).
    pub pin_sent_next: &'static str,
    /// A refused "Send new PIN".
    pub pin_refused: &'static str,
    /// Back to the profile page.
    pub back_to_profile: &'static str,
    /// "Block" (a method).
    pub block: &'static str,
    /// The block page's text.
    pub block_text: &'static str,
    /// The choice's legend.
    pub block_how: &'static str,
    /// Block temporarily.
    pub block_temporarily: &'static str,
    /// Block for good (lost or stolen).
    pub block_permanently: &'static str,
    /// After a block (every block ends the sessions).
    pub blocked_done: &'static str,
    /// "Reactivate" (lift one's own block).
    pub reactivate: &'static str,
    /// Lifting a block needs a fresh log-in.
    pub login_again_to_reactivate: &'static str,
    /// A refused block or reactivation.
    pub block_refused: &'static str,
    /// The Activity field and page.
    pub activity: &'static str,
    /// The activity page's introduction.
    pub activity_intro: &'static str,
    /// No activity yet.
    pub activity_none: &'static str,
    /// One text per activity event (`accounts::ACTIVITY_EVENTS`); `{}` is the service
    /// provider where the event has one.
    pub events: &'static [(&'static str, &'static str)],
    /// What to do instead of a method blocked for good, per kind: app, code display or
    /// audio code reader, chip, password (help page 002).
    pub instead: Instead,
    /// A form sent without its token.
    pub refused_form: (&'static str, &'static str),
    /// Kinds of method.
    pub kinds: Kinds,
    /// States of a method.
    pub states: States,
    /// The password pages (help page 001).
    pub pw: PasswordTexts,
    /// The profile change (help pages 000 and 004).
    pub change: ChangeTexts,
    /// "Send new PIN" refused: the mobile number changed less than 5 days ago.
    pub pin_refused_new_number: &'static str,
    /// "Edit" (a profile field).
    pub edit: &'static str,
    /// "Block your whole MitID".
    pub block_all: &'static str,
    /// What it does and who lifts it.
    pub block_all_text: &'static str,
    /// After blocking the whole MitID.
    pub blocked_all_done: &'static str,
}

/// The password pages' texts (help page 001, methods 1 and 2).
#[derive(Debug)]
pub struct PasswordTexts {
    /// "Edit password".
    pub edit: &'static str,
    /// Why the wait, and the button's name.
    pub access_intro: &'static str,
    /// "Request access".
    pub request_access: &'static str,
    /// Access requested: from when (a time follows).
    pub waiting: &'static str,
    /// After the time: the notice.
    pub waiting_notice: &'static str,
    /// The form's introduction.
    pub create_intro: &'static str,
    /// New password.
    pub new_password: &'static str,
    /// Repeat it.
    pub repeat: &'static str,
    /// The two differ.
    pub mismatch: &'static str,
    /// Done.
    pub changed: &'static str,
    /// No password yet: create one with an activation code.
    pub none: &'static str,
    /// The link to method 2.
    pub with_code: &'static str,
    /// Method 2's heading.
    pub activate_title: &'static str,
    /// Screen 1.
    pub user_id_intro: &'static str,
    /// Screen 2.
    pub code_intro: &'static str,
    /// The code field.
    pub code: &'static str,
    /// "Next".
    pub next: &'static str,
    /// A wrong code (the tries left follow).
    pub wrong_code: &'static str,
    /// A code used up, expired or void.
    pub code_gone: &'static str,
    /// The whole MitID, or the password, is blocked: a new password waits for the unblock.
    pub pw_blocked: &'static str,
    /// Screen 3 after too long, or without screen 2.
    pub start_again: &'static str,
    /// Each password rule's reason, by its code.
    pub rules: &'static [(&'static str, &'static str)],
    /// A refusal without a better text.
    pub refused: &'static str,
}

/// The profile change's texts (help pages 000 and 004).
#[derive(Debug)]
pub struct ChangeTexts {
    /// The page's heading.
    pub title: &'static str,
    /// The one-hour rule and the button's name.
    pub intro: &'static str,
    /// "Request change".
    pub request: &'static str,
    /// Requested: from when (a time follows).
    pub waiting: &'static str,
    /// The form's introduction.
    pub form_intro: &'static str,
    /// "Check user ID".
    pub check: &'static str,
    /// "Save".
    pub save: &'static str,
    /// The user ID is available.
    pub available: &'static str,
    /// The user ID is not valid (the rule follows).
    pub not_valid: &'static str,
    /// The user ID is someone else's, now or before.
    pub taken: &'static str,
    /// Done.
    pub changed: &'static str,
    /// The 5-day rule after a new mobile number.
    pub five_days: &'static str,
    /// A mobile number that breaks the rule.
    pub bad_mobile: &'static str,
    /// An e-mail address that breaks the rule.
    pub bad_email: &'static str,
    /// The day's user ID lookups are used up.
    pub too_many_lookups: &'static str,
    /// A refusal without a better text.
    pub refused: &'static str,
}

/// The names of the identification methods.
#[derive(Debug)]
pub struct Kinds {
    /// MitID app.
    pub app: &'static str,
    /// Code display.
    pub code_display: &'static str,
    /// Audio code reader.
    pub audio: &'static str,
    /// Chip.
    pub chip: &'static str,
    /// Password.
    pub password: &'static str,
}

/// What to do when a method is blocked for good.
#[derive(Debug)]
pub struct Instead {
    /// An app.
    pub app: &'static str,
    /// A code display or audio code reader.
    pub device: &'static str,
    /// A chip.
    pub chip: &'static str,
    /// A password.
    pub password: &'static str,
}

/// The names of an identification method's states.
#[derive(Debug)]
pub struct States {
    /// Active.
    pub active: &'static str,
    /// Temporarily locked or blocked.
    pub locked: &'static str,
    /// Blocked for good.
    pub blocked: &'static str,
    /// Revoked.
    pub revoked: &'static str,
}

/// The texts in `lang`.
pub fn texts(lang: Lang) -> &'static DkTexts {
    match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    }
}

static DA: DkTexts = DkTexts {
    welcome: "Velkommen til MitID.dk",
    intro: "Her kan du se og ændre dine oplysninger og dine identifikationsmidler.",
    cookies_title: "MitID.dk bruger nødvendige cookies",
    cookies_text: "Nødvendige cookies sørger for, at MitID.dk virker, som det skal. Du skal derfor acceptere de nødvendige cookies for at kunne bruge MitID.dk. Du kan slette dem, når du forlader siden.",
    cookies_accept: "Acceptér nødvendige cookies",
    login_app: "Log på med MitID app",
    login_password_title: "Log på med adgangskode og kodeviser",
    user_id: "Bruger-ID",
    password: "Adgangskode",
    otp: "Kode fra kodeviser eller kodeoplæser",
    login: "Log på",
    logout: "Log af",
    login_refused: "Vi kunne ikke logge dig på. Tjek bruger-ID, adgangskode og kode.",
    session_ended: "Du er logget af. Log på igen for at fortsætte.",
    profile: "Din profil",
    name: "Navn",
    mobile: "Mobilnummer",
    email: "E-mail",
    password_field: "Adgangskode",
    password_set: "Oprettet",
    password_none: "Ingen adgangskode",
    methods: "Identifikationsmidler",
    view: "Se",
    methods_intro: "Dine identifikationsmidler og deres tilstand.",
    send_new_pin: "Send ny PIN-kode",
    own_app_note: "Du er logget på med denne app. Skift PIN-koden i appen med din nuværende PIN-kode.",
    reactivate_box: "Ja, jeg vil gerne genaktivere MitID app",
    reactivate_text: "Du får en midlertidig PIN-kode på SMS. Brug den i MitID app til at vælge en ny PIN-kode.",
    continue_: "Fortsæt",
    reactivate_missing: "Sæt flueben for at bekræfte, at du vil genaktivere appen.",
    pin_sent: "Vi har sendt en midlertidig PIN-kode på SMS til",
    pin_sent_next: "Åbn MitID app, tryk på menuen, App-indstillinger, PIN-kode, Glemt din PIN-kode?, og vælg Midlertidig PIN-kode.",
    pin_refused: "Vi kunne ikke sende en ny PIN-kode til denne app.",
    back_to_profile: "Tilbage til din profil",
    activity: "Aktivitet",
    activity_intro: "Dine seneste hændelser. Kender du ikke en af dem, så spær dit MitID og kontakt MitID Support.",
    activity_none: "Ingen hændelser endnu.",
    events: &[
        ("citizen_login", "Logget på MitID.dk"),
        ("transaction_approved", "Godkendt i MitID app: {}"),
        ("transaction_rejected", "Afvist i MitID app: {}"),
        ("approval_voided_by_block", "Godkendelse ikke givet videre efter spærring eller lås: {}"),
        ("pin_proof_refused", "Forkert PIN-kode i MitID app"),
        ("pin_changed", "PIN-kode ændret"),
        ("pin_reset", "Ny PIN-kode valgt med midlertidig PIN-kode"),
        ("temporary_pin_issued", "Midlertidig PIN-kode sendt"),
        ("activation_code_issued", "Aktiveringskode sendt"),
        ("app_activated", "MitID app aktiveret"),
        ("authenticator_added", "Kodeviser, kodelæser eller chip tilføjet"),
        ("chip_security_element_deleted", "Chippens sikkerhedselement slettet"),
        ("app_permanently_blocked", "MitID app spærret permanent"),
        ("authenticator_blocked", "Identifikationsmiddel spærret"),
        ("authenticator_unblocked", "Identifikationsmiddel genaktiveret"),
        ("authenticator_revoked", "Identifikationsmiddel tilbagekaldt (mistet eller kompromitteret)"),
        ("password_access_requested", "Anmodet om adgang til at ændre adgangskode"),
        ("profile_change_requested", "Anmodet om at ændre profiloplysninger"),
        ("mitid_blocked", "Hele dit MitID spærret"),
        ("mitid_unblocked", "Spærring af dit MitID ophævet"),
        ("user_id_changed", "Bruger-ID ændret"),
        ("password_set", "Adgangskode oprettet eller ændret"),
        ("contact_changed", "Kontaktoplysninger ændret"),
        ("biometrics_enabled", "Biometri slået til"),
        ("biometrics_disabled", "Biometri slået fra"),
    ],
    block: "Spær",
    block_text: "Spær et identifikationsmiddel, hvis du har mistet det, eller hvis en anden kan bruge det.",
    block_how: "Hvordan vil du spærre?",
    block_temporarily: "Spær midlertidigt (du kan selv genaktivere det her)",
    block_permanently: "Spær permanent (det er mistet eller stjålet)",
    blocked_done: "Identifikationsmidlet er spærret. Af sikkerhedshensyn er du logget af: log på igen for at fortsætte.",
    reactivate: "Genaktivér",
    login_again_to_reactivate: "Log på igen for at genaktivere: det kræver, at du har logget på inden for de sidste 5 minutter.",
    block_refused: "Det kunne ikke lade sig gøre.",
    refused_form: (
        "Formularen kunne ikke sendes",
        "Siden var for gammel eller kom ikke fra MitID.dk. Prøv igen fra din profil.",
    ),
    instead: Instead {
        app: "Aktivér appen igen med en aktiveringskode fra MitID Support eller et borgerservicecenter.",
        device: "Bestil en ny hos MitID Support.",
        chip: "Få chippen tilføjet igen som et nyt identifikationsmiddel i et borgerservicecenter.",
        password: "Opret en ny adgangskode med en aktiveringskode.",
    },
    kinds: Kinds {
        app: "MitID app",
        code_display: "Kodeviser",
        audio: "Kodeoplæser",
        chip: "Chip",
        password: "Adgangskode",
    },
    states: States {
        active: "Aktiv",
        locked: "Midlertidigt spærret",
        blocked: "Spærret",
        revoked: "Tilbagekaldt",
    },
    pw: PasswordTexts {
        edit: "Rediger adgangskode",
        access_intro: "Du skal anmode om adgang til at ændre din adgangskode. Af sikkerhedshensyn skal du vente 24 timer, før du kan ændre den.",
        request_access: "Anmod om adgang",
        waiting: "Du har anmodet om adgang. Du kan ændre din adgangskode fra",
        waiting_notice: "Du får besked på SMS eller e-mail, når du kan ændre din adgangskode. Log så på MitID.dk igen.",
        create_intro: "Lav din nye adgangskode, gentag den, og tryk på Fortsæt.",
        new_password: "Ny adgangskode",
        repeat: "Gentag ny adgangskode",
        mismatch: "De to adgangskoder er ikke ens.",
        changed: "Din adgangskode er nu ændret.",
        none: "Du har ingen adgangskode. Har du fået en aktiveringskode, kan du oprette en.",
        with_code: "Ny adgangskode med aktiveringskode",
        activate_title: "Ny adgangskode med aktiveringskode",
        user_id_intro: "Indtast dit bruger-ID, og tryk på Næste.",
        code_intro: "Indtast den aktiveringskode, du har fået fra MitID Support, og tryk på Næste.",
        code: "Aktiveringskode",
        next: "Næste",
        wrong_code: "Aktiveringskoden er forkert. Forsøg tilbage:",
        code_gone: "Aktiveringskoden kan ikke bruges længere (brugt, udløbet eller for mange forkerte forsøg). Kontakt MitID Support for en ny.",
        pw_blocked: "Dit MitID eller din adgangskode er spærret, så der kan ikke vælges en ny adgangskode. Kontakt MitID Support eller Borgerservice for at ophæve spærringen.",
        start_again: "Start forfra: aktiveringskoden skal tjekkes igen.",
        rules: &[
            ("password_length", "Din adgangskode skal have 8 til 64 tegn."),
            ("password_contains_user_id", "Din adgangskode må ikke indeholde dit bruger-ID."),
            ("password_ten_digits", "Din adgangskode må ikke indeholde 10 cifre i træk."),
            ("password_common_word", "Din adgangskode må ikke indeholde ordet password eller adgangskode."),
            ("password_keyboard_run", "Din adgangskode må ikke indeholde en række taster som qwertyui eller abc12345."),
        ],
        refused: "Din adgangskode kunne ikke ændres.",
    },
    change: ChangeTexts {
        title: "Ret profiloplysninger",
        intro: "Du kan først ændre dine profiloplysninger 1 time efter, du har anmodet om at ændre dem. Vi giver dig besked på SMS og e-mail.",
        request: "Anmod om ændring",
        waiting: "Du har anmodet om at ændre dine oplysninger. Du kan ændre dem fra",
        form_intro: "Ret dine oplysninger, og tryk på Gem. Vi giver dig besked på både de gamle og de nye adresser.",
        check: "Tjek bruger-ID",
        save: "Gem",
        available: "Bruger-ID'et er ledigt.",
        not_valid: "Bruger-ID'et er ikke gyldigt:",
        taken: "Bruger-ID'et er ikke ledigt. Vælg et andet.",
        changed: "Dine profiloplysninger er ændret. Vi har givet dig besked på SMS og e-mail.",
        five_days: "Dit mobilnummer er ændret: de næste 5 dage kan vi ikke sende midlertidig adgangskode, aktiveringskode eller midlertidig PIN-kode på SMS.",
        bad_mobile: "Mobilnummeret skal have 8 til 15 cifre (gerne med + foran).",
        bad_email: "E-mailadressen er ikke gyldig.",
        too_many_lookups: "Du har tjekket mange bruger-ID'er i dag. Prøv igen i morgen.",
        refused: "Dine oplysninger kunne ikke ændres.",
    },
    pin_refused_new_number: "Dit mobilnummer er ændret inden for de sidste 5 dage, så vi kan ikke sende en midlertidig PIN-kode på SMS. Gå til Borgerservice.",
    edit: "Rediger",
    block_all: "Spær hele dit MitID",
    block_all_text: "Tror du, at en anden kan bruge dit MitID, så spær det hele. Kun MitID Support eller Borgerservice kan ophæve spærringen.",
    blocked_all_done: "Hele dit MitID er spærret, og du er logget af. Kontakt MitID Support eller Borgerservice for at ophæve spærringen.",
};

static EN: DkTexts = DkTexts {
    welcome: "Welcome to MitID.dk",
    intro: "Here you can see and change your information and your identification methods.",
    cookies_title: "MitID.dk uses necessary cookies",
    cookies_text: "Necessary cookies ensure that MitID.dk works correctly. You must therefore accept the necessary cookies to be able to use MitID.dk. You can delete the cookies when you leave the site.",
    cookies_accept: "Accept necessary cookies",
    login_app: "Log in with the MitID app",
    login_password_title: "Log in with password and code display",
    user_id: "User ID",
    password: "Password",
    otp: "Code from the code display or audio code reader",
    login: "Log in",
    logout: "Log out",
    login_refused: "We could not log you in. Check the user ID, the password and the code.",
    session_ended: "You are logged out. Log in again to continue.",
    profile: "Your profile",
    name: "Name",
    mobile: "Mobile number",
    email: "E-mail",
    password_field: "Password",
    password_set: "Created",
    password_none: "No password",
    methods: "Identification methods",
    view: "View",
    methods_intro: "Your identification methods and their state.",
    send_new_pin: "Send new PIN",
    own_app_note: "You are logged in with this app. Change the PIN in the app with your current PIN.",
    reactivate_box: "Yes, I would like to reactivate the MitID app",
    reactivate_text: "You will receive a temporary PIN code by SMS. Use it in the MitID app to choose a new PIN code.",
    continue_: "Continue",
    reactivate_missing: "Tick the box to confirm that you want to reactivate the app.",
    pin_sent: "We have sent a temporary PIN code by SMS to",
    pin_sent_next: "Open the MitID app, tap the menu, App settings, PIN code, Forgot your PIN code?, and select Temporary PIN code.",
    pin_refused: "We could not send a new PIN code to this app.",
    back_to_profile: "Back to your profile",
    activity: "Activity",
    activity_intro: "Your latest events. If you do not recognise one, block your MitID and contact MitID Support.",
    activity_none: "No events yet.",
    events: &[
        ("citizen_login", "Logged in to MitID.dk"),
        ("transaction_approved", "Approved in the MitID app: {}"),
        ("transaction_rejected", "Rejected in the MitID app: {}"),
        ("approval_voided_by_block", "Approval not passed on after a block or lock: {}"),
        ("pin_proof_refused", "Wrong PIN in the MitID app"),
        ("pin_changed", "PIN code changed"),
        ("pin_reset", "New PIN chosen with a temporary PIN"),
        ("temporary_pin_issued", "Temporary PIN code sent"),
        ("activation_code_issued", "Activation code sent"),
        ("app_activated", "MitID app activated"),
        ("authenticator_added", "Code display, code reader or chip added"),
        ("chip_security_element_deleted", "The chip's security element deleted"),
        ("app_permanently_blocked", "MitID app blocked permanently"),
        ("authenticator_blocked", "Identification method blocked"),
        ("authenticator_unblocked", "Identification method reactivated"),
        ("authenticator_revoked", "Identification method revoked (lost or compromised)"),
        ("password_access_requested", "Access to change the password requested"),
        ("profile_change_requested", "Change of profile information requested"),
        ("mitid_blocked", "Your whole MitID blocked"),
        ("mitid_unblocked", "Block of your MitID lifted"),
        ("user_id_changed", "User ID changed"),
        ("password_set", "Password created or changed"),
        ("contact_changed", "Contact details changed"),
        ("biometrics_enabled", "Biometrics turned on"),
        ("biometrics_disabled", "Biometrics turned off"),
    ],
    block: "Block",
    block_text: "Block an identification method if you have lost it or someone else can use it.",
    block_how: "How do you want to block it?",
    block_temporarily: "Block temporarily (you can reactivate it here yourself)",
    block_permanently: "Block permanently (it is lost or stolen)",
    blocked_done: "The identification method is blocked. For your security you are logged out: log in again to continue.",
    reactivate: "Reactivate",
    login_again_to_reactivate: "Log in again to reactivate: it needs a log-in within the last 5 minutes.",
    block_refused: "That could not be done.",
    refused_form: (
        "The form could not be sent",
        "The page was too old or did not come from MitID.dk. Try again from your profile.",
    ),
    instead: Instead {
        app: "Activate the app again with an activation code from MitID Support or a citizen service centre.",
        device: "Order a new one from MitID Support.",
        chip: "Have the chip added again as a new identification method at a citizen service centre.",
        password: "Create a new password with an activation code.",
    },
    kinds: Kinds {
        app: "MitID app",
        code_display: "Code display",
        audio: "Audio code reader",
        chip: "Chip",
        password: "Password",
    },
    states: States {
        active: "Active",
        locked: "Temporarily blocked",
        blocked: "Blocked",
        revoked: "Revoked",
    },
    pw: PasswordTexts {
        edit: "Edit password",
        access_intro: "You must request access to change your password. For security reasons, you need to wait 24 hours before you can change it.",
        request_access: "Request access",
        waiting: "You have requested access. You can change your password from",
        waiting_notice: "You will receive a notification via SMS or e-mail when you can change your password. Then log in to MitID.dk again.",
        create_intro: "Create your new password, repeat it and tap Continue.",
        new_password: "New password",
        repeat: "Repeat your new password",
        mismatch: "The two passwords are not the same.",
        changed: "Your password has now been changed.",
        none: "You have no password. If you have received an activation code, you can create one.",
        with_code: "New password with an activation code",
        activate_title: "New password with an activation code",
        user_id_intro: "Enter your user ID and tap Next.",
        code_intro: "Enter the activation code you received from MitID Support and tap Next.",
        code: "Activation code",
        next: "Next",
        wrong_code: "The activation code is wrong. Tries left:",
        code_gone: "The activation code can no longer be used (used, expired or too many wrong tries). Contact MitID Support for a new one.",
        pw_blocked: "Your MitID or your password is blocked, so no new password can be chosen. Contact MitID Support or Citizen Service to lift the block.",
        start_again: "Start again: the activation code must be checked again.",
        rules: &[
            ("password_length", "Your password must have 8 to 64 characters."),
            ("password_contains_user_id", "Your password cannot contain your user ID."),
            ("password_ten_digits", "Your password cannot contain 10 digits in a row."),
            ("password_common_word", "Your password cannot contain the word password or adgangskode."),
            ("password_keyboard_run", "Your password cannot contain a keyboard run such as qwertyui or abc12345."),
        ],
        refused: "Your password could not be changed.",
    },
    change: ChangeTexts {
        title: "Change profile information",
        intro: "You can change your profile information only 1 hour after you have requested the change. We tell you by SMS and e-mail.",
        request: "Request change",
        waiting: "You have requested a change. You can make it from",
        form_intro: "Change your information and tap Save. We tell you on both the old and the new addresses.",
        check: "Check user ID",
        save: "Save",
        available: "The user ID is available.",
        not_valid: "The user ID is not valid:",
        taken: "The user ID is not available. Choose another one.",
        changed: "Your profile information has been changed. We have told you by SMS and e-mail.",
        five_days: "Your mobile number has changed: for the next 5 days we cannot send a temporary password, activation code or temporary PIN code by SMS.",
        bad_mobile: "The mobile number must have 8 to 15 digits (a + first if you like).",
        bad_email: "The e-mail address is not valid.",
        too_many_lookups: "You have checked many user IDs today. Try again tomorrow.",
        refused: "Your information could not be changed.",
    },
    pin_refused_new_number: "Your mobile number changed within the last 5 days, so we cannot send a temporary PIN code by SMS. Go to a Citizen Service Centre.",
    edit: "Edit",
    block_all: "Block your whole MitID",
    block_all_text: "If you think someone else can use your MitID, block all of it. Only MitID Support or a Citizen Service Centre can lift the block.",
    blocked_all_done: "Your whole MitID is blocked and you are logged out. Contact MitID Support or a Citizen Service Centre to lift the block.",
};
