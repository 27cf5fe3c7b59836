package io.github.papaysdk.papay

import java.util.UUID
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.fail

private val runId = UUID.randomUUID().toString().replace("-", "").take(8).uppercase()
private val sequence = AtomicInteger()

/** Returns a merchant number unique within this test run, e.g. `KT1A2B3C4D7ORDER`; at most 32 characters. */
fun uniqueNo(suffix: String): String = "KT$runId${sequence.incrementAndGet()}$suffix"

/** Runs [block] and returns the [PayException] it must throw, or fails naming [call]. */
inline fun <reified T : PayException> expectPayException(call: String, block: () -> Unit): T {
    try {
        block()
    } catch (e: PayException) {
        if (e is T) return e
        fail("$call threw ${e::class.simpleName} (${e.message}), expected ${T::class.simpleName}")
    }
    fail("$call returned normally, expected ${T::class.simpleName}")
}

/** Signs a contract through the APP flow and returns (out_contract_code, contract_id). */
suspend fun signContract(sandbox: Sandbox, client: Client): Pair<String, String> {
    val code = uniqueNo("C")
    val session = client.appPreSign(
        AppPreSignRequest(
            planId = sandbox.planId,
            outContractCode = code,
            successNotifyUrl = "$NOTIFY_BASE/sign-notify",
            userDisplayName = "Kotlin Test",
            userClientIp = "203.0.113.10",
        ),
    )
    return code to sandbox.confirmSigning(session.sessionId)
}
