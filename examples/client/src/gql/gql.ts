/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Signup($input: SignupInput!) {\n    signup(input: $input) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": typeof types.SignupDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  query Me {\n    me { id name email emailVerified role createdAt }\n  }\n": typeof types.MeDocument,
    "\n  mutation DeleteUser {\n    deleteUser { id email }\n  }\n": typeof types.DeleteUserDocument,
    "\n  mutation Logout($refreshToken: String) {\n    logout(refreshToken: $refreshToken)\n  }\n": typeof types.LogoutDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": typeof types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": typeof types.ResetPasswordDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) { id email emailVerified }\n  }\n": typeof types.VerifyEmailDocument,
    "\n  mutation ResendVerificationEmail {\n    resendVerificationEmail\n  }\n": typeof types.ResendVerificationEmailDocument,
    "\n  query Sessions {\n    sessions { id createdAt lastUsedAt userAgent address current }\n  }\n": typeof types.SessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": typeof types.RevokeSessionDocument,
    "\n  query SecurityEvents($first: Int, $after: String) {\n    securityEvents(first: $first, after: $after) {\n      nodes { id type at address userAgent }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.SecurityEventsDocument,
    "\n  subscription AccountEvents {\n    accountEvents { kind at user { id name } }\n  }\n": typeof types.AccountEventsDocument,
    "\n  mutation VerifyLogin($challenge: String!, $code: String!) {\n    verifyLogin(challenge: $challenge, code: $code) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": typeof types.VerifyLoginDocument,
    "\n  mutation Reauthenticate($password: String!, $code: String) {\n    reauthenticate(password: $password, code: $code) {\n      token\n      refreshToken\n    }\n  }\n": typeof types.ReauthenticateDocument,
    "\n  mutation SetupTotp($currentPassword: String!) {\n    setupTotp(currentPassword: $currentPassword) { secret otpauthUri qrCodeSvg }\n  }\n": typeof types.SetupTotpDocument,
    "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code)\n  }\n": typeof types.ConfirmTotpDocument,
    "\n  mutation DisableTotp($code: String!) {\n    disableTotp(code: $code)\n  }\n": typeof types.DisableTotpDocument,
    "\n  query TwoFactorStatus {\n    me { id totpEnabled recoveryCodesRemaining }\n  }\n": typeof types.TwoFactorStatusDocument,
    "\n  query Passkeys {\n    passkeys { id name createdAt lastUsedAt synced }\n  }\n": typeof types.PasskeysDocument,
    "\n  mutation StartPasskeyRegistration {\n    startPasskeyRegistration\n  }\n": typeof types.StartPasskeyRegistrationDocument,
    "\n  mutation FinishPasskeyRegistration($response: JSON!, $name: String) {\n    finishPasskeyRegistration(response: $response, name: $name) { id name createdAt lastUsedAt synced }\n  }\n": typeof types.FinishPasskeyRegistrationDocument,
    "\n  mutation StartPasskeyLogin($email: String) {\n    startPasskeyLogin(email: $email)\n  }\n": typeof types.StartPasskeyLoginDocument,
    "\n  mutation FinishPasskeyLogin($response: JSON!) {\n    finishPasskeyLogin(response: $response) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": typeof types.FinishPasskeyLoginDocument,
    "\n  mutation RemovePasskey($id: ID!) {\n    removePasskey(id: $id)\n  }\n": typeof types.RemovePasskeyDocument,
    "\n  mutation RenamePasskey($id: ID!, $name: String) {\n    renamePasskey(id: $id, name: $name) { id name createdAt lastUsedAt synced }\n  }\n": typeof types.RenamePasskeyDocument,
    "\n  mutation Refresh($refreshToken: String) {\n    refresh(refreshToken: $refreshToken) {\n      token\n      refreshToken\n    }\n  }\n": typeof types.RefreshDocument,
};
const documents: Documents = {
    "\n  mutation Signup($input: SignupInput!) {\n    signup(input: $input) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": types.SignupDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": types.LoginDocument,
    "\n  query Me {\n    me { id name email emailVerified role createdAt }\n  }\n": types.MeDocument,
    "\n  mutation DeleteUser {\n    deleteUser { id email }\n  }\n": types.DeleteUserDocument,
    "\n  mutation Logout($refreshToken: String) {\n    logout(refreshToken: $refreshToken)\n  }\n": types.LogoutDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": types.ResetPasswordDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) { id email emailVerified }\n  }\n": types.VerifyEmailDocument,
    "\n  mutation ResendVerificationEmail {\n    resendVerificationEmail\n  }\n": types.ResendVerificationEmailDocument,
    "\n  query Sessions {\n    sessions { id createdAt lastUsedAt userAgent address current }\n  }\n": types.SessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": types.RevokeSessionDocument,
    "\n  query SecurityEvents($first: Int, $after: String) {\n    securityEvents(first: $first, after: $after) {\n      nodes { id type at address userAgent }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.SecurityEventsDocument,
    "\n  subscription AccountEvents {\n    accountEvents { kind at user { id name } }\n  }\n": types.AccountEventsDocument,
    "\n  mutation VerifyLogin($challenge: String!, $code: String!) {\n    verifyLogin(challenge: $challenge, code: $code) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": types.VerifyLoginDocument,
    "\n  mutation Reauthenticate($password: String!, $code: String) {\n    reauthenticate(password: $password, code: $code) {\n      token\n      refreshToken\n    }\n  }\n": types.ReauthenticateDocument,
    "\n  mutation SetupTotp($currentPassword: String!) {\n    setupTotp(currentPassword: $currentPassword) { secret otpauthUri qrCodeSvg }\n  }\n": types.SetupTotpDocument,
    "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code)\n  }\n": types.ConfirmTotpDocument,
    "\n  mutation DisableTotp($code: String!) {\n    disableTotp(code: $code)\n  }\n": types.DisableTotpDocument,
    "\n  query TwoFactorStatus {\n    me { id totpEnabled recoveryCodesRemaining }\n  }\n": types.TwoFactorStatusDocument,
    "\n  query Passkeys {\n    passkeys { id name createdAt lastUsedAt synced }\n  }\n": types.PasskeysDocument,
    "\n  mutation StartPasskeyRegistration {\n    startPasskeyRegistration\n  }\n": types.StartPasskeyRegistrationDocument,
    "\n  mutation FinishPasskeyRegistration($response: JSON!, $name: String) {\n    finishPasskeyRegistration(response: $response, name: $name) { id name createdAt lastUsedAt synced }\n  }\n": types.FinishPasskeyRegistrationDocument,
    "\n  mutation StartPasskeyLogin($email: String) {\n    startPasskeyLogin(email: $email)\n  }\n": types.StartPasskeyLoginDocument,
    "\n  mutation FinishPasskeyLogin($response: JSON!) {\n    finishPasskeyLogin(response: $response) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n": types.FinishPasskeyLoginDocument,
    "\n  mutation RemovePasskey($id: ID!) {\n    removePasskey(id: $id)\n  }\n": types.RemovePasskeyDocument,
    "\n  mutation RenamePasskey($id: ID!, $name: String) {\n    renamePasskey(id: $id, name: $name) { id name createdAt lastUsedAt synced }\n  }\n": types.RenamePasskeyDocument,
    "\n  mutation Refresh($refreshToken: String) {\n    refresh(refreshToken: $refreshToken) {\n      token\n      refreshToken\n    }\n  }\n": types.RefreshDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Signup($input: SignupInput!) {\n    signup(input: $input) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"): (typeof documents)["\n  mutation Signup($input: SignupInput!) {\n    signup(input: $input) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { id name email emailVerified role createdAt }\n  }\n"): (typeof documents)["\n  query Me {\n    me { id name email emailVerified role createdAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteUser {\n    deleteUser { id email }\n  }\n"): (typeof documents)["\n  mutation DeleteUser {\n    deleteUser { id email }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout($refreshToken: String) {\n    logout(refreshToken: $refreshToken)\n  }\n"): (typeof documents)["\n  mutation Logout($refreshToken: String) {\n    logout(refreshToken: $refreshToken)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"): (typeof documents)["\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"): (typeof documents)["\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) { id email emailVerified }\n  }\n"): (typeof documents)["\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) { id email emailVerified }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResendVerificationEmail {\n    resendVerificationEmail\n  }\n"): (typeof documents)["\n  mutation ResendVerificationEmail {\n    resendVerificationEmail\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sessions {\n    sessions { id createdAt lastUsedAt userAgent address current }\n  }\n"): (typeof documents)["\n  query Sessions {\n    sessions { id createdAt lastUsedAt userAgent address current }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"): (typeof documents)["\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SecurityEvents($first: Int, $after: String) {\n    securityEvents(first: $first, after: $after) {\n      nodes { id type at address userAgent }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query SecurityEvents($first: Int, $after: String) {\n    securityEvents(first: $first, after: $after) {\n      nodes { id type at address userAgent }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AccountEvents {\n    accountEvents { kind at user { id name } }\n  }\n"): (typeof documents)["\n  subscription AccountEvents {\n    accountEvents { kind at user { id name } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyLogin($challenge: String!, $code: String!) {\n    verifyLogin(challenge: $challenge, code: $code) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"): (typeof documents)["\n  mutation VerifyLogin($challenge: String!, $code: String!) {\n    verifyLogin(challenge: $challenge, code: $code) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Reauthenticate($password: String!, $code: String) {\n    reauthenticate(password: $password, code: $code) {\n      token\n      refreshToken\n    }\n  }\n"): (typeof documents)["\n  mutation Reauthenticate($password: String!, $code: String) {\n    reauthenticate(password: $password, code: $code) {\n      token\n      refreshToken\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetupTotp($currentPassword: String!) {\n    setupTotp(currentPassword: $currentPassword) { secret otpauthUri qrCodeSvg }\n  }\n"): (typeof documents)["\n  mutation SetupTotp($currentPassword: String!) {\n    setupTotp(currentPassword: $currentPassword) { secret otpauthUri qrCodeSvg }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code)\n  }\n"): (typeof documents)["\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableTotp($code: String!) {\n    disableTotp(code: $code)\n  }\n"): (typeof documents)["\n  mutation DisableTotp($code: String!) {\n    disableTotp(code: $code)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TwoFactorStatus {\n    me { id totpEnabled recoveryCodesRemaining }\n  }\n"): (typeof documents)["\n  query TwoFactorStatus {\n    me { id totpEnabled recoveryCodesRemaining }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Passkeys {\n    passkeys { id name createdAt lastUsedAt synced }\n  }\n"): (typeof documents)["\n  query Passkeys {\n    passkeys { id name createdAt lastUsedAt synced }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPasskeyRegistration {\n    startPasskeyRegistration\n  }\n"): (typeof documents)["\n  mutation StartPasskeyRegistration {\n    startPasskeyRegistration\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinishPasskeyRegistration($response: JSON!, $name: String) {\n    finishPasskeyRegistration(response: $response, name: $name) { id name createdAt lastUsedAt synced }\n  }\n"): (typeof documents)["\n  mutation FinishPasskeyRegistration($response: JSON!, $name: String) {\n    finishPasskeyRegistration(response: $response, name: $name) { id name createdAt lastUsedAt synced }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPasskeyLogin($email: String) {\n    startPasskeyLogin(email: $email)\n  }\n"): (typeof documents)["\n  mutation StartPasskeyLogin($email: String) {\n    startPasskeyLogin(email: $email)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinishPasskeyLogin($response: JSON!) {\n    finishPasskeyLogin(response: $response) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"): (typeof documents)["\n  mutation FinishPasskeyLogin($response: JSON!) {\n    finishPasskeyLogin(response: $response) {\n      token\n      refreshToken\n      user { id name email role }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemovePasskey($id: ID!) {\n    removePasskey(id: $id)\n  }\n"): (typeof documents)["\n  mutation RemovePasskey($id: ID!) {\n    removePasskey(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RenamePasskey($id: ID!, $name: String) {\n    renamePasskey(id: $id, name: $name) { id name createdAt lastUsedAt synced }\n  }\n"): (typeof documents)["\n  mutation RenamePasskey($id: ID!, $name: String) {\n    renamePasskey(id: $id, name: $name) { id name createdAt lastUsedAt synced }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh($refreshToken: String) {\n    refresh(refreshToken: $refreshToken) {\n      token\n      refreshToken\n    }\n  }\n"): (typeof documents)["\n  mutation Refresh($refreshToken: String) {\n    refresh(refreshToken: $refreshToken) {\n      token\n      refreshToken\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;