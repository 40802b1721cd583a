//! `vbo device-code`: a device code to restore with modern authentication, which the user
//! confirms at Microsoft before passing it to `--device-code`.

use vbo365::types;

use super::args::DeviceCodeArgs;
use super::failure::Failure;
use super::output::opt;
use super::run::Ctx;

/// Asks the server for a device code and prints where to enter it.
pub async fn get(ctx: &Ctx, args: &DeviceCodeArgs) -> Result<(), Failure> {
    let body = types::RestoreDeviceCodeRequest {
        target_application_id: args.app_id,
        target_organization_name: args.org_name.clone(),
        target_region: args.region,
    };
    let code = ctx
        .call(ctx.client.restore_device_code(args.session, body))
        .await?;
    let text = code.message.clone().unwrap_or_else(|| {
        format!(
            "enter {} at {}",
            code.user_code,
            opt(&code.verification_url)
        )
    });
    ctx.out.show_text(&code, &text)
}
