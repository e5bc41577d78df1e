package dk.mitid.core

import dk.mitid.core.support.ChipLink
import dk.mitid.core.support.Phone
import dk.mitid.core.support.activate
import dk.mitid.core.support.assertMitid
import dk.mitid.core.support.assertThrows
import dk.mitid.core.support.loginUpToFactor
import dk.mitid.core.support.WithTestServer
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Test

/**
 * "Forgot your PIN code?" with a passport (help page 003's first route) from Kotlin: the core
 * reads the test kit's simulated chip through a Kotlin `PlatformNfcLink`, the server checks the
 * document, its owner and the face (the face-matching test double), and the new PIN works.
 */
class PassportTest : WithTestServer() {
    @Test
    fun aNewPinWithThePassportAndTheFace() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val citizen = server.createCitizen("passport")
            val user = phone.activate(citizen)
            val page = server.passport(citizen)
            phone.app.newPinFlow(user.localId, NewPinStart.PASSPORT).use { flow ->
                val terms = phone.app.documentTerms(Language.DANISH)
                assertEquals(NewPinStep.AcceptTerms(terms.version), flow.step())
                assertEquals(NewPinStep.ChooseDocumentOrigin, flow.acceptTerms())
                assertEquals(NewPinStep.EnterDocumentDetails, flow.chooseDocumentOrigin(DocumentOrigin.DENMARK))
                val typo = assertThrows<MitidException> {
                    runBlocking { flow.submitDocumentDetails(page.documentNumber, "991399", page.expiryDate) }
                }
                assertMitid("document_details_invalid", typo)
                assertEquals(
                    NewPinStep.ReadChip,
                    flow.submitDocumentDetails(page.documentNumber, page.birthDate, page.expiryDate),
                )
                assertEquals(NewPinStep.CaptureFace, flow.readChip(ChipLink(server.passportChip(citizen))))
                val refused = assertThrows<MitidException> { runBlocking { flow.submitFace(page.otherFace) } }
                assertMitid("document_face_not_matched", refused)
                // The server used up the challenge the chip signed: read the chip again.
                assertEquals(NewPinStep.ReadChip, flow.step())
                assertEquals(NewPinStep.CaptureFace, flow.readChip(ChipLink(server.passportChip(citizen))))
                assertEquals(NewPinStep.ChooseNewPin, flow.submitFace(page.face))
                assertEquals(NewPinStep.RepeatNewPin, flow.submitNewPin("472915"))
                assertEquals(NewPinStep.ChooseBiometrics(false), flow.submitRepeatPin("472915"))
            }
            phone.app.approvalFlow(user.localId).use { flow ->
                phone.loginUpToFactor(user, flow)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), flow.approveWithPin("472915"))
            }
        }
    }

    /** "View user ID" (help page 004): shown only after the passport and the face, then changed in place. */
    @Test
    fun theUserIdIsShownAfterThePassportAndChangedInPlace() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val citizen = server.createCitizen("viewid")
            val taken = server.createCitizen("takenid")
            val user = phone.activate(citizen)
            val page = server.passport(citizen)
            phone.app.userIdFlow(user.localId).use { flow ->
                assertEquals(UserIdStep.AcceptTerms(phone.app.documentTerms(Language.ENGLISH).version), flow.step())
                assertThrows<MitidException.InvalidStep> { runBlocking { flow.changeUserId() } }
                assertEquals(UserIdStep.ChooseDocumentOrigin, flow.acceptTerms())
                // From abroad, the P-code comes first; "used before" skips it. The choice only
                // routes: the server judges the document itself.
                assertEquals(UserIdStep.EnterPCode, flow.chooseDocumentOrigin(DocumentOrigin.ABROAD))
                assertEquals(UserIdStep.EnterDocumentDetails, flow.skipPCode())
                assertEquals(
                    UserIdStep.ReadChip,
                    flow.submitDocumentDetails(page.documentNumber, page.birthDate, page.expiryDate),
                )
                // A chip with chip authentication only: the server's command reaches it through ChipLink.
                val chip = server.passportChipWithChipAuthentication(citizen)
                assertEquals(UserIdStep.CaptureFace, flow.readChip(ChipLink(chip)))
                assertEquals(UserIdStep.ShowUserId(citizen.userId), flow.submitFace(page.face))
                assertEquals(UserIdStep.EnterNewUserId(citizen.userId), flow.changeUserId())
                assertThrows<MitidException.UserIdTaken> { runBlocking { flow.submitNewUserId(taken.userId) } }
                val wanted = "${citizen.userId}.ny"
                assertEquals(UserIdStep.Done(wanted), flow.submitNewUserId(wanted))
                assertEquals(wanted, phone.app.users().single().userId)
            }
        }
    }

    /** The real app's second activation route: the passport and the face instead of an activation code. */
    @Test
    fun anAppIsActivatedWithThePassportAndTheFace() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val citizen = server.createCitizen("activatepassport")
            val page = server.passport(citizen)
            val user = phone.app.startActivation().use { flow ->
                assertEquals(ActivationStep.EnterActivationCode(citizen.userId), flow.submitUserId(citizen.userId))
                assertEquals(ActivationStep.AcceptTerms(phone.app.documentTerms(Language.DANISH).version), flow.usePassport())
                assertEquals(ActivationStep.ChooseDocumentOrigin, flow.acceptTerms())
                assertEquals(ActivationStep.EnterDocumentDetails, flow.chooseDocumentOrigin(DocumentOrigin.DENMARK))
                assertEquals(
                    ActivationStep.ReadChip,
                    flow.submitDocumentDetails(page.documentNumber, page.birthDate, page.expiryDate),
                )
                // A chip with chip authentication over DH in a 2,048-bit group: the server's key,
                // made once DG14 is read, crosses the FFI in extended-length APDUs.
                val chip = server.passportChipWithDhChipAuthentication(citizen)
                assertEquals(ActivationStep.CaptureFace, flow.readChip(ChipLink(chip)))
                assertEquals(ActivationStep.ChooseNewPin, flow.submitFace(page.face))
                assertEquals(ActivationStep.RepeatNewPin, flow.submitNewPin("472915"))
                assertEquals(ActivationStep.ChooseBiometrics, flow.submitRepeatPin("472915"))
                assertEquals(ActivationStep.ChooseNotifications, flow.chooseBiometrics(false))
                val done = flow.chooseNotifications(false)
                (done as ActivationStep.Done).user
            }
            phone.app.approvalFlow(user.localId).use { flow ->
                phone.loginUpToFactor(user, flow)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), flow.approveWithPin("472915"))
            }
        }
    }
}
