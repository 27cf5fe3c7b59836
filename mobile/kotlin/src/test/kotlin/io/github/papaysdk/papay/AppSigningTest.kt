package io.github.papaysdk.papay

import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** The phone's helpers: launch parameters, reading WeChat's return, QR codes, notification responses. */
class AppSigningTest {
    private val sessionId = "000000000000000043"

    @Test
    fun launchParamsPutSessionInPath() {
        val params = signingLaunchParams(sessionId)
        assertEquals("pages/index/index?session_id=$sessionId", params.path, "signingLaunchParams($sessionId).path")
    }

    @Test
    fun launchParamsAreMarkedUnverified() {
        assertFalse(signingLaunchParams(sessionId).verified, "signingLaunchParams($sessionId).verified")
    }

    @Test
    fun launchParamsUseReleasedMiniProgram() {
        assertEquals(0.toUByte(), signingLaunchParams(sessionId).miniProgramType, "signingLaunchParams($sessionId).miniProgramType")
    }

    @Test
    fun launchParamsCarrySessionInExtraData() {
        assertEquals(mapOf("session_id" to sessionId), signingLaunchParams(sessionId).extraData, "signingLaunchParams($sessionId).extraData")
    }

    @Test
    fun launchParamsFollowCustomTarget() {
        val target = SigningTarget(miniProgram = "gh_0123456789ab", page = "pages/sign/sign", sessionKey = "sid")
        val params = signingLaunchParams(sessionId, target)
        assertEquals("gh_0123456789ab", params.miniProgram, "signingLaunchParams($sessionId, $target).miniProgram")
        assertEquals("pages/sign/sign?sid=$sessionId", params.path, "signingLaunchParams($sessionId, $target).path")
    }

    @Test
    fun emptySessionIdNamesField() {
        val error = expectPayException<PayException.InvalidArgument>("signingLaunchParams(\"\")") { signingLaunchParams("") }
        assertEquals("session_id", error.field, "field of signingLaunchParams(\"\")")
    }

    @Test
    fun signingReturnReadsJsonSuccess() {
        val data = """{"return_code":"SUCCESS","contract_id":"Wx1"}"""
        val result = assertIs<SigningReturn.Signed>(parseSigningReturn(data), "parseSigningReturn($data)")
        assertEquals("Wx1", result.contractId, "contractId of parseSigningReturn($data)")
    }

    @Test
    fun signingReturnReadsQueryFailure() {
        val data = "return_code=FAIL&return_msg=user%20cancel"
        val result = assertIs<SigningReturn.NotSigned>(parseSigningReturn(data), "parseSigningReturn($data)")
        assertEquals("user cancel", result.message, "message of parseSigningReturn($data)")
    }

    @Test
    fun signingReturnOfGarbageIsUnknown() {
        assertIs<SigningReturn.Unknown>(parseSigningReturn("garbage{"), "parseSigningReturn(garbage{)")
    }

    @Test
    fun qrCodeSvgIsSvg() {
        val svg = qrCodeSvg("https://osapp.pay.weixin.qq.com/global/papay/contracts/sessions/show_code?os_session_id=X", 4u)
        assertTrue(svg.contains("<svg"), "qrCodeSvg(...) returned no <svg> element: ${svg.take(80)}")
    }

    @Test
    fun qrCodeZeroPixelsNamesField() {
        val error = expectPayException<PayException.InvalidArgument>("qrCodeSvg(url, 0)") { qrCodeSvg("https://example.com/", 0u) }
        assertEquals("module_pixels", error.field, "field of qrCodeSvg(url, 0)")
    }

    @Test
    fun notificationSuccessAnswerIs204() {
        assertEquals(204.toUShort(), notificationAnswerSuccess().status, "notificationAnswerSuccess().status")
    }

    @Test
    fun notificationFailureAnswerIs500Json() {
        val answer = notificationAnswerFailure("storage unavailable")
        assertEquals(500.toUShort(), answer.status, "notificationAnswerFailure(...).status")
        assertEquals("application/json", answer.contentType, "notificationAnswerFailure(...).contentType")
    }
}
